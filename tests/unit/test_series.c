/* test_series.c: the per-series map (lib/util/series.h) — put/get, growth
 * past the initial 64 slots, the cap, insertion-order iteration and that
 * destroy frees every value (ASan builds catch leaks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/series.h"
#include "util/snapshot.h"

static int freed;

static void count_free(void *p)
{
    freed++;
    free(p);
}

static int *boxed(int v)
{
    int *p = malloc(sizeof(*p));
    assert_non_null(p);
    *p = v;
    return p;
}

static void test_put_get(void **state)
{
    (void)state;
    eddy_series_t *m = eddy_series_new(10, count_free);

    freed = 0;
    assert_non_null(m);
    assert_int_equal(eddy_series_count(m), 0);
    assert_int_equal(eddy_series_cap(m), 10);
    assert_null(eddy_series_get(m, "a"));
    assert_int_equal(eddy_series_put(m, "a", boxed(1)), 0);
    assert_int_equal(eddy_series_put(m, "b", boxed(2)), 0);
    assert_int_equal(eddy_series_put(m, "", boxed(3)), 0); /* empty id is a key */
    assert_int_equal(*(int *)eddy_series_get(m, "a"), 1);
    assert_int_equal(*(int *)eddy_series_get(m, "b"), 2);
    assert_int_equal(*(int *)eddy_series_get(m, ""), 3);
    assert_null(eddy_series_get(m, "ab"));
    assert_null(eddy_series_get(m, "A"));
    assert_int_equal(eddy_series_count(m), 3);
    /* the map copies the key */
    char key[8] = "k";
    assert_int_equal(eddy_series_put(m, key, boxed(4)), 0);
    key[0] = 'z';
    assert_int_equal(*(int *)eddy_series_get(m, "k"), 4);
    assert_null(eddy_series_get(m, "z"));
    eddy_series_destroy(m);
    assert_int_equal(freed, 4);
    eddy_series_destroy(NULL);
}

static void test_growth(void **state)
{
    (void)state;
    enum { N = 5000 };
    eddy_series_t *m = eddy_series_new(N, count_free);
    char id[32];

    freed = 0;
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof(id), "series-%d", i);
        assert_int_equal(eddy_series_put(m, id, boxed(i)), 0);
        /* every earlier key survives each rehash */
        if (i == 31 || i == 32 || i == 33 || i == 64 || i == 65 || i == 1000) {
            for (int k = 0; k <= i; k++) {
                snprintf(id, sizeof(id), "series-%d", k);
                int *v = eddy_series_get(m, id);
                assert_non_null(v);
                assert_int_equal(*v, k);
            }
        }
    }
    assert_int_equal(eddy_series_count(m), N);
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof(id), "series-%d", i);
        int *v = eddy_series_get(m, id);
        assert_non_null(v);
        assert_int_equal(*v, i);
    }
    snprintf(id, sizeof(id), "series-%d", N);
    assert_null(eddy_series_get(m, id));
    eddy_series_destroy(m);
    assert_int_equal(freed, N);
}

static void test_cap(void **state)
{
    (void)state;
    eddy_series_t *m = eddy_series_new(3, count_free);
    int *extra = boxed(9);

    freed = 0;
    assert_int_equal(eddy_series_put(m, "a", boxed(1)), 0);
    assert_int_equal(eddy_series_put(m, "b", boxed(2)), 0);
    assert_int_equal(eddy_series_put(m, "c", boxed(3)), 0);
    assert_int_equal(eddy_series_put(m, "d", extra), 1); /* nothing stored */
    assert_null(eddy_series_get(m, "d"));
    assert_int_equal(eddy_series_count(m), 3);
    eddy_series_destroy(m);
    assert_int_equal(freed, 3); /* the refused value stays the caller's */
    free(extra);

    m = eddy_series_new(0, NULL);
    int v = 1;
    assert_int_equal(eddy_series_put(m, "a", &v), 1);
    assert_int_equal(eddy_series_count(m), 0);
    eddy_series_destroy(m);
}

typedef struct {
    char ids[200][16];
    int values[200];
    int n;
} seen_t;

static void collect(const char *id, void *value, void *arg)
{
    seen_t *s = arg;
    assert_true(s->n < 200);
    snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", id);
    s->values[s->n++] = *(int *)value;
}

static void test_foreach_order(void **state)
{
    (void)state;
    static seen_t seen;
    eddy_series_t *m = eddy_series_new(1000, count_free);
    char id[16];

    freed = 0;
    memset(&seen, 0, sizeof(seen));
    eddy_series_foreach(m, collect, &seen);
    assert_int_equal(seen.n, 0);
    /* insertion order, not hash order, across growth */
    for (int i = 0; i < 150; i++) {
        snprintf(id, sizeof(id), "%c%d", 'z' - i % 26, 1000 - i);
        assert_int_equal(eddy_series_put(m, id, boxed(i)), 0);
    }
    eddy_series_foreach(m, collect, &seen);
    assert_int_equal(seen.n, 150);
    for (int i = 0; i < 150; i++) {
        snprintf(id, sizeof(id), "%c%d", 'z' - i % 26, 1000 - i);
        assert_string_equal(seen.ids[i], id);
        assert_int_equal(seen.values[i], i);
    }
    eddy_series_destroy(m);
    assert_int_equal(freed, 150);
}

/* Long and similar keys, collisions in a small table. */
static void test_keys(void **state)
{
    (void)state;
    eddy_series_t *m = eddy_series_new(100, count_free);
    char big[300];

    freed = 0;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(eddy_series_put(m, big, boxed(1)), 0);
    big[298] = 'y';
    assert_int_equal(eddy_series_put(m, big, boxed(2)), 0);
    assert_int_equal(*(int *)eddy_series_get(m, big), 2);
    big[298] = 'x';
    assert_int_equal(*(int *)eddy_series_get(m, big), 1);
    big[298] = '\0';
    assert_null(eddy_series_get(m, big));
    eddy_series_destroy(m);
    assert_int_equal(freed, 2);
}

/* Removal (backward-shift deletion) against a reference, with many
 * collisions: every remaining key stays reachable after each removal. */
static void test_remove(void **state)
{
    (void)state;
    enum { N = 600 };
    static int present[N];
    eddy_series_t *m = eddy_series_new(N, count_free);
    char id[32];
    uint64_t rng = 12345;
    int live = 0;

    freed = 0;
    memset(present, 0, sizeof(present));
    assert_int_equal(eddy_series_remove(m, "absent"), 0);
    for (int step = 0; step < 20000; step++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        int k = (int)((rng >> 33) % N);
        snprintf(id, sizeof(id), "k%d", k);
        if ((rng >> 20) & 1) {
            if (!present[k]) {
                assert_int_equal(eddy_series_put(m, id, boxed(k)), 0);
                present[k] = 1;
                live++;
            }
        } else {
            assert_int_equal(eddy_series_remove(m, id), present[k]);
            live -= present[k];
            present[k] = 0;
        }
        assert_int_equal(eddy_series_count(m), live);
        if (step % 500 == 0) {
            for (int j = 0; j < N; j++) {
                snprintf(id, sizeof(id), "k%d", j);
                int *v = eddy_series_get(m, id);
                if (present[j]) {
                    assert_non_null(v);
                    assert_int_equal(*v, j);
                } else {
                    assert_null(v);
                }
            }
        }
    }
    int removed = freed;
    eddy_series_destroy(m);
    assert_int_equal(freed - removed, live);
}

/* A boxed int saved as a u32; CTX is the largest value load accepts. */
static int box_save(const void *ctx, const void *value, eddy_buf_t *out)
{
    (void)ctx;
    return eddy_buf_put_u32(out, (uint32_t) * (const int *)value);
}

static void *box_load(const void *ctx, const char *id, eddy_reader_t *r, char *errstr,
                      size_t errstr_size)
{
    int v = (int)eddy_read_u32(r);
    if (v > *(const int *)ctx) {
        snprintf(errstr, errstr_size, "'%s': %d is too large", id, v);
        return NULL;
    }
    return boxed(v);
}

static const eddy_series_codec_t box_codec = {
    .magic = "TBOX", .version = 2, .save = box_save, .load = box_load};

/* save/load: framed values; a loaded value replaces (and frees) the old one,
 * a refused one is freed, with a message */
static void test_save_load(void **state)
{
    (void)state;
    eddy_series_t *m = eddy_series_new(2, count_free);
    eddy_buf_t b = EDDY_BUF_INIT, big = EDDY_BUF_INIT;
    int max = 100;
    char err[128];

    freed = 0;
    assert_int_equal(eddy_series_put(m, "a", boxed(7)), 0);
    assert_int_equal(eddy_series_save(m, "zz", &box_codec, &max, &b), 1);
    assert_int_equal(eddy_series_save(m, "a", &box_codec, &max, &b), 0);
    assert_memory_equal(b.data, "TBOX", 4);
    assert_int_equal(
        eddy_series_load(m, "a", b.data, b.len, &box_codec, &max, err, sizeof(err)), 0);
    assert_int_equal(freed, 1);
    assert_int_equal(
        eddy_series_load(m, "b", b.data, b.len, &box_codec, &max, err, sizeof(err)), 0);
    assert_int_equal(*(int *)eddy_series_get(m, "b"), 7);
    assert_int_equal(
        eddy_series_load(m, "c", b.data, b.len, &box_codec, &max, err, sizeof(err)),
        -1);
    assert_string_equal(err, "series cap reached while restoring 'c'");
    assert_int_equal(freed, 2);
    assert_int_equal(
        eddy_series_load(m, "a", b.data, b.len - 1, &box_codec, &max, err, sizeof(err)),
        -1);
    assert_non_null(strstr(err, "TBOX snapshot"));
    max = 6; /* the codec refuses */
    assert_int_equal(
        eddy_series_load(m, "a", b.data, b.len, &box_codec, &max, err, sizeof(err)),
        -1);
    assert_string_equal(err, "'a': 7 is too large");
    /* a payload longer than the codec reads is refused */
    size_t at = eddy_snapshot_begin(&big, "TBOX", 2);
    eddy_buf_put_u64(&big, 5);
    eddy_snapshot_end(&big, at);
    max = 100;
    assert_int_equal(
        eddy_series_load(m, "a", big.data, big.len, &box_codec, &max, err, sizeof(err)),
        -1);
    assert_string_equal(err,
                        "state of series 'a': 4 of its 8 bytes are not TBOX state");
    assert_int_equal(freed, 3);
    assert_int_equal(*(int *)eddy_series_get(m, "a"), 7);
    eddy_series_destroy(m);
    assert_int_equal(freed, 5);
    eddy_buf_free(&b);
    eddy_buf_free(&big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get),   cmocka_unit_test(test_growth),
        cmocka_unit_test(test_cap),       cmocka_unit_test(test_foreach_order),
        cmocka_unit_test(test_keys),      cmocka_unit_test(test_remove),
        cmocka_unit_test(test_save_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
