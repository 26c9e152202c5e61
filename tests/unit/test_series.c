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

/* replace: the old value is freed, a refused one too, with a message */
static void test_replace(void **state)
{
    (void)state;
    eddy_series_t *m = eddy_series_new(2, count_free);
    char err[128];

    freed = 0;
    assert_int_equal(eddy_series_replace(m, "a", boxed(1), err, sizeof(err)), 0);
    assert_int_equal(eddy_series_replace(m, "a", boxed(2), err, sizeof(err)), 0);
    assert_int_equal(freed, 1);
    assert_int_equal(*(int *)eddy_series_get(m, "a"), 2);
    assert_int_equal(eddy_series_replace(m, "b", boxed(3), err, sizeof(err)), 0);
    assert_int_equal(eddy_series_replace(m, "c", boxed(4), err, sizeof(err)), -1);
    assert_int_equal(freed, 2);
    assert_string_equal(err, "series cap reached while restoring 'c'");
    assert_int_equal(eddy_series_count(m), 2);
    eddy_series_destroy(m);
    assert_int_equal(freed, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get), cmocka_unit_test(test_growth),
        cmocka_unit_test(test_cap),     cmocka_unit_test(test_foreach_order),
        cmocka_unit_test(test_keys),    cmocka_unit_test(test_remove),
        cmocka_unit_test(test_replace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
