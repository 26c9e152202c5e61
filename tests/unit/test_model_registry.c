/* test_model_registry.c: the model registry and the contract every model
 * keeps — names and parameter errors, seeds, snapshot/restore bit-exactness,
 * rejection of truncated or corrupted snapshots, side-effect-free forecasts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eddy_model.h"
#include "util/bytes.h"
#include "util/snapshot.h"

#define N_LAGS  15
#define N_STEPS 300

/* A deterministic monthly-looking series: trend, season and a wobble. */
static double series(int t)
{
    return 100.0 + 2.0 * t + 30.0 * sin(t * 0.5235987755982988) + 7.0 * cos(t * 1.7);
}

static void lags_at(int t, double *x)
{
    for (int i = 1; i <= N_LAGS; i++)
        x[i - 1] = i <= t ? series(t - i) : 0.0;
}

static eddy_model_t *make(const char *name, const char *params)
{
    char err[512];
    eddy_model_t *m = eddy_model_new(name, N_LAGS, params, 7, err, sizeof(err));
    if (!m)
        fail_msg("%s: %s", name, err);
    return m;
}

/* Prequential steps [from, to); writes predictions to PRED[from..to). */
static void feed(eddy_model_t *m, int from, int to, double *pred)
{
    double x[N_LAGS];
    for (int t = from; t < to; t++) {
        lags_at(t, x);
        pred[t] = eddy_model_predict(m, x);
        eddy_model_learn(m, x, series(t));
    }
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof(double)) == 0;
}

/* Calls FN for every registered model name. */
static void for_each_model(void (*fn)(const char *name))
{
    char names[1024];
    snprintf(names, sizeof(names), "%s", eddy_model_names());
    for (char *tok = strtok(names, ", "); tok; tok = strtok(NULL, ", "))
        fn(tok);
}

static void test_names(void **state)
{
    (void)state;
    static const char *expected[] = {
        "linear", "ridge",   "lasso",          "knn", "snaive", "holt_winters",
        "rls",    "bagging", "hoeffding_tree", "amf"};
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        assert_true(eddy_model_exists(expected[i]));
        assert_non_null(eddy_model_describe(expected[i]));
        assert_non_null(strstr(eddy_model_names(), expected[i]));
    }
    assert_false(eddy_model_exists("ridg"));
    assert_false(eddy_model_exists(NULL));
    assert_null(eddy_model_describe("nope"));
}

static void test_unknown_model(void **state)
{
    (void)state;
    char err[512] = "";
    assert_null(eddy_model_new("ridg", N_LAGS, NULL, 1, err, sizeof(err)));
    assert_non_null(strstr(err, "unknown model 'ridg'"));
    assert_non_null(strstr(err, "ridge"));
}

static void test_param_errors(void **state)
{
    (void)state;
    char err[512] = "";
    assert_null(eddy_model_new("ridge", N_LAGS, "l2=0.5,alpha=3", 1, err, sizeof(err)));
    assert_non_null(strstr(err, "unknown parameter 'alpha'"));
    assert_non_null(strstr(err, "known: lr, intercept_lr, l2, l1"));

    assert_null(eddy_model_new("ridge", N_LAGS, "l2=abc", 1, err, sizeof(err)));
    assert_non_null(strstr(err, "bad value 'abc' for parameter 'l2'"));
    assert_null(eddy_model_new("ridge", N_LAGS, "l2=-1", 1, err, sizeof(err)));
    assert_non_null(strstr(err, "'l2'"));
    assert_null(eddy_model_new("ridge", N_LAGS, "l2", 1, err, sizeof(err)));
    assert_non_null(strstr(err, "needs a value"));
    assert_null(eddy_model_new("ridge", N_LAGS, "l2=1,l2=2", 1, err, sizeof(err)));
    assert_non_null(strstr(err, "given twice"));
    assert_null(eddy_model_new("linear", N_LAGS, "l1=0.1,l2=0.1", 1, err, sizeof(err)));
    assert_non_null(strstr(err, "l1 and l2"));
    assert_null(eddy_model_new("linear", -1, NULL, 1, err, sizeof(err)));
    assert_non_null(strstr(err, "n_features"));

    eddy_model_t *m =
        eddy_model_new("ridge", 0, " l2 = 0.5 , lr=0.02,", 1, err, sizeof(err));
    assert_non_null(m);
    assert_int_equal(eddy_model_n_features(m), EDDY_MODEL_DEFAULT_FEATURES);
    assert_string_equal(eddy_model_name(m), "ridge");
    eddy_model_destroy(m);
    eddy_model_destroy(NULL);
}

static void test_seed(void **state)
{
    (void)state;
    uint64_t a = eddy_model_seed("bagging", "airpassengers");
    assert_int_equal(a, eddy_model_seed("bagging", "airpassengers"));
    assert_int_not_equal(a, eddy_model_seed("bagging", "airpassenger"));
    assert_int_not_equal(a, eddy_model_seed("amf", "airpassengers"));
    assert_int_not_equal(eddy_model_seed("ab", "c"), eddy_model_seed("a", "bc"));
    assert_int_equal(eddy_model_seed(NULL, NULL), eddy_model_seed("", ""));
}

/* snapshot at step 150 -> restore -> continue == uninterrupted run, bit for bit */
static void check_snapshot_continue(const char *name)
{
    static double a[N_STEPS], b[N_STEPS];
    eddy_model_t *m1 = make(name, NULL), *m2 = make(name, NULL);
    feed(m1, 0, N_STEPS, a);
    feed(m2, 0, N_STEPS / 2, b);
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(eddy_model_snapshot(m2, &buf, &len), 0);
    eddy_model_destroy(m2);
    char err[256];
    eddy_model_t *m3 = eddy_model_restore(buf, len, err, sizeof(err));
    if (!m3)
        fail_msg("%s: restore: %s", name, err);
    assert_string_equal(eddy_model_name(m3), name);
    feed(m3, N_STEPS / 2, N_STEPS, b);
    for (int t = 0; t < N_STEPS; t++)
        if (!same_bits(a[t], b[t]))
            fail_msg("%s: step %d differs after restore: %.17g vs %.17g", name, t, a[t],
                     b[t]);
    /* the snapshot of the restored model equals a fresh one of m1 */
    uint8_t *s1, *s3;
    size_t l1, l3;
    assert_int_equal(eddy_model_snapshot(m1, &s1, &l1), 0);
    assert_int_equal(eddy_model_snapshot(m3, &s3, &l3), 0);
    assert_int_equal(l1, l3);
    assert_memory_equal(s1, s3, l1);
    free(s1);
    free(s3);
    free(buf);
    eddy_model_destroy(m1);
    eddy_model_destroy(m3);
}

static void test_snapshot_continue(void **state)
{
    (void)state;
    for_each_model(check_snapshot_continue);
}

/* Positions tried by the damage tests: every byte of a small snapshot; of a
 * large one (a tree's nodes) the first and last 4096 and a stride of 97
 * between, so the quadratic checksum work stays bounded. */
static size_t next_pos(size_t i, size_t len)
{
    if (len <= 16384 || i < 4096 || i + 4096 >= len)
        return i + 1;
    return i + 97 < len - 4096 ? i + 97 : len - 4096;
}

/* every truncation and a flip of every byte fail cleanly */
static void check_snapshot_damage(const char *name)
{
    static double p[N_STEPS];
    eddy_model_t *m = make(name, NULL);
    feed(m, 0, 40, p);
    uint8_t *buf;
    size_t len;
    assert_int_equal(eddy_model_snapshot(m, &buf, &len), 0);
    char err[256];
    for (size_t cut = 0; cut < len; cut = next_pos(cut, len)) {
        /* an exact-size copy so a read past CUT is caught by ASan */
        uint8_t *part = malloc(cut ? cut : 1);
        memcpy(part, buf, cut);
        err[0] = '\0';
        eddy_model_t *r = eddy_model_restore(part, cut, err, sizeof(err));
        if (r)
            fail_msg("%s: restore of %zu/%zu bytes succeeded", name, cut, len);
        assert_true(strlen(err) > 0);
        free(part);
    }
    for (size_t i = 0; i < len; i = next_pos(i, len)) {
        buf[i] ^= 0x5a;
        eddy_model_t *r = eddy_model_restore(buf, len, err, sizeof(err));
        if (r)
            fail_msg("%s: restore with byte %zu flipped succeeded", name, i);
        buf[i] ^= 0x5a;
    }
    assert_null(eddy_model_restore(NULL, 0, err, sizeof(err)));
    free(buf);
    eddy_model_destroy(m);
}

static void test_snapshot_damage(void **state)
{
    (void)state;
    for_each_model(check_snapshot_damage);
}

/* Offset, in a snapshot of NAME, of the model's own state (after the frame
 * header, the name, n_features, seed and the parameters). */
static size_t state_at(const char *name, const uint8_t *buf)
{
    size_t at = EDDY_SNAPSHOT_HEADER + 4 + strlen(name) + 4 + 8;
    uint32_t np = (uint32_t)eddy_get_le(buf + at, 4);
    return at + 4 + 8 * (size_t)np;
}

/* Restores the frame around BODY[0..LEN) (the checksum right), from an
 * exact-size copy so that ASan catches a read past its end. */
static eddy_model_t *restore_reframed(const uint8_t *body, size_t len, char *err,
                                      size_t err_size)
{
    eddy_buf_t w = EDDY_BUF_INIT;
    eddy_snapshot_write(&w, "EMDL", 1, body, len);
    uint8_t *exact = malloc(w.len);
    memcpy(exact, w.data, w.len);
    eddy_model_t *r = eddy_model_restore(exact, w.len, err, err_size);
    free(exact);
    eddy_buf_free(&w);
    return r;
}

/* The payload parser on its own (the frame rebuilt after each damage):
 * every truncated payload is rejected, and a flip of any payload byte either
 * is rejected or gives a model that runs without touching memory out of
 * bounds (ASan). */
static void check_payload_damage(const char *name, const char *params, int steps)
{
    static double p[N_STEPS];
    char err[512];
    eddy_model_t *m = eddy_model_new(name, N_LAGS, params, 7, err, sizeof(err));
    if (!m)
        fail_msg("%s: %s", name, err);
    feed(m, 0, steps, p);
    uint8_t *buf;
    size_t len;
    assert_int_equal(eddy_model_snapshot(m, &buf, &len), 0);
    const uint8_t *body = buf + EDDY_SNAPSHOT_HEADER;
    size_t blen = len - EDDY_SNAPSHOT_HEADER;
    size_t start = state_at(name, buf) - EDDY_SNAPSHOT_HEADER, plen = blen - start;
    eddy_model_t *whole = restore_reframed(body, blen, err, sizeof(err));
    assert_non_null(whole); /* else every damage below is refused for nothing */
    eddy_model_destroy(whole);
    for (size_t cut = 0; cut < plen; cut++) {
        eddy_model_t *r = restore_reframed(body, start + cut, err, sizeof(err));
        if (r)
            fail_msg("%s: restore of a %zu/%zu-byte payload succeeded", name, cut,
                     plen);
    }
    uint8_t *work = malloc(blen);
    int accepted = 0;
    for (size_t i = start; i < blen; i++) {
        memcpy(work, body, blen);
        work[i] ^= 0x5a;
        eddy_model_t *r = restore_reframed(work, blen, err, sizeof(err));
        if (r) {
            accepted++;
            feed(r, steps, steps + 5, p);
            eddy_model_destroy(r);
        }
    }
    printf("# %s: %d of %zu payload byte flips give a valid model\n", name, accepted,
           plen);
    free(work);
    free(buf);
    eddy_model_destroy(m);
}

static void test_amf_payload_damage(void **state)
{
    (void)state;
    check_payload_damage("amf", "n_estimators=2", 30);
    check_payload_damage("amf", "n_estimators=1,max_nodes=5", 30);
}

/* snarimax's windows carry their own lengths: a damaged length must be
 * refused or stay within the window (ASan), before and after it fills */
static void test_snarimax_payload_damage(void **state)
{
    (void)state;
    check_payload_damage("snarimax", "p=2,q=2,m=4,sp=1,sq=1", 3);
    check_payload_damage("snarimax", "p=2,q=2,m=4,sp=1,sq=1,d=1", 30);
}

/* max_nodes caps every tree: the snapshot stops growing, learning goes on and
 * snapshot/restore still continues bit for bit */
static void test_amf_max_nodes(void **state)
{
    (void)state;
    static double a[N_STEPS], b[N_STEPS];
    eddy_model_t *m1 = make("amf", "max_nodes=21"), *m2 = make("amf", "max_nodes=21");
    uint8_t *s1, *s2;
    size_t l1, l2;
    feed(m1, 0, 100, a);
    assert_int_equal(eddy_model_snapshot(m1, &s1, &l1), 0);
    feed(m1, 100, N_STEPS, a);
    assert_int_equal(eddy_model_snapshot(m1, &s2, &l2), 0);
    assert_int_equal(l1, l2); /* same node count: at most 21 + 1 */
    free(s1);
    free(s2);
    feed(m2, 0, 150, b);
    assert_int_equal(eddy_model_snapshot(m2, &s1, &l1), 0);
    char err[256];
    eddy_model_t *m3 = eddy_model_restore(s1, l1, err, sizeof(err));
    assert_non_null(m3);
    feed(m3, 150, N_STEPS, b);
    for (int t = 0; t < N_STEPS; t++)
        assert_true(same_bits(a[t], b[t]));
    free(s1);
    /* an uncapped-so-far default forest is much larger */
    eddy_model_t *big = make("amf", NULL);
    feed(big, 0, 100, b);
    assert_int_equal(eddy_model_snapshot(big, &s2, &l2), 0);
    assert_true(l2 > 3 * l1);
    free(s2);
    eddy_model_destroy(big);
    eddy_model_destroy(m1);
    eddy_model_destroy(m2);
    eddy_model_destroy(m3);
}

/* forecast leaves the model unchanged; out[0] == predict(x_next) */
static void check_forecast(const char *name)
{
    static double p[N_STEPS];
    eddy_model_t *m = make(name, NULL);
    feed(m, 0, 100, p);
    uint8_t *before, *after;
    size_t lb, la;
    assert_int_equal(eddy_model_snapshot(m, &before, &lb), 0);
    double x[N_LAGS], out[24];
    lags_at(100, x);
    eddy_model_forecast(m, x, out, 24);
    assert_int_equal(eddy_model_snapshot(m, &after, &la), 0);
    assert_int_equal(lb, la);
    assert_memory_equal(before, after, lb);
    assert_true(same_bits(out[0], eddy_model_predict(m, x)));
    for (int k = 0; k < 24; k++)
        assert_true(isfinite(out[k]));
    free(before);
    free(after);
    eddy_model_destroy(m);
}

static void test_forecast(void **state)
{
    (void)state;
    for_each_model(check_forecast);
}

/* same seed, same inputs -> same outputs, for every model */
static void check_deterministic(const char *name)
{
    static double a[N_STEPS], b[N_STEPS];
    eddy_model_t *m1 = make(name, NULL), *m2 = make(name, NULL);
    feed(m1, 0, N_STEPS, a);
    feed(m2, 0, N_STEPS, b);
    for (int t = 0; t < N_STEPS; t++)
        assert_true(same_bits(a[t], b[t]));
    eddy_model_destroy(m1);
    eddy_model_destroy(m2);
}

static void test_deterministic(void **state)
{
    (void)state;
    for_each_model(check_deterministic);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_unknown_model),
        cmocka_unit_test(test_param_errors),
        cmocka_unit_test(test_seed),
        cmocka_unit_test(test_snapshot_continue),
        cmocka_unit_test(test_snapshot_damage),
        cmocka_unit_test(test_forecast),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_amf_max_nodes),
        cmocka_unit_test(test_amf_payload_damage),
        cmocka_unit_test(test_snarimax_payload_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
