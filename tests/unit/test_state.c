/* Per-series state snapshots of the features and learner cores: save ->
 * load -> continue equals an uninterrupted run, and damaged bytes are
 * refused without reading past them. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "features_core.h"
#include "learn_core.h"

static void obs_at(eddy_obs_t *obs, const char *series, int t)
{
    memset(obs, 0, sizeof(*obs));
    snprintf(obs->series_id, sizeof(obs->series_id), "%s", series);
    obs->seq = t;
    obs->event_time_ms = 1000LL * t;
    obs->value = 100.0 + t * 1.5 + (t % 12) * 3.25;
}

static void test_features_roundtrip(void **state)
{
    eddy_features_t *a = eddy_features_new(15, 10), *b = eddy_features_new(15, 10);
    eddy_buf_t buf = EDDY_BUF_INIT;
    eddy_obs_t obs;
    eddy_fv_t fa, fb;
    char err[256];

    (void)state;
    for (int t = 0; t < 7; t++) {
        obs_at(&obs, "s", t);
        assert_int_equal(eddy_features_process(a, &obs, &fa, NULL), EDDY_FEATURES_OK);
    }
    assert_int_equal(eddy_features_save(a, "unknown", &buf), 1);
    assert_int_equal(eddy_features_save(a, "s", &buf), 0);
    assert_int_equal(eddy_features_load(b, "s", buf.data, buf.len, err, sizeof(err)),
                     0);
    for (int t = 7; t < 40; t++) {
        obs_at(&obs, "s", t);
        assert_int_equal(eddy_features_process(a, &obs, &fa, NULL), EDDY_FEATURES_OK);
        assert_int_equal(eddy_features_process(b, &obs, &fb, NULL), EDDY_FEATURES_OK);
        assert_memory_equal(fa.lags, fb.lags, sizeof(double) * 15);
        assert_int_equal(fa.available_lags, fb.available_lags);
    }
    /* A restored series still rejects what it has seen (a remembered event
     * time as a duplicate, an older one as late) and goes on counting. */
    obs_at(&obs, "s", 30);
    assert_int_equal(eddy_features_process(b, &obs, &fb, NULL),
                     EDDY_FEATURES_DUPLICATE);
    obs_at(&obs, "s", 3);
    assert_int_equal(eddy_features_process(b, &obs, &fb, NULL), EDDY_FEATURES_LATE);
    obs_at(&obs, "s", 40);
    assert_int_equal(eddy_features_process(b, &obs, &fb, NULL), EDDY_FEATURES_OK);
    assert_int_equal(fb.seq, 40);
    for (size_t n = 0; n < buf.len; n++) {
        err[0] = '\0';
        assert_int_equal(eddy_features_load(b, "s", buf.data, n, err, sizeof(err)), -1);
        assert_true(err[0] != '\0');
    }
    eddy_buf_free(&buf);
    eddy_features_destroy(a);
    eddy_features_destroy(b);
}

static void learner_roundtrip(const char *model)
{
    char err[512];
    eddy_learner_t *a = eddy_learner_new(model, NULL, 15, 5, 10, err, sizeof(err));
    eddy_learner_t *b = eddy_learner_new(model, NULL, 15, 5, 10, err, sizeof(err));
    eddy_features_t *f = eddy_features_new(15, 10);
    eddy_buf_t buf = EDDY_BUF_INIT;
    eddy_obs_t obs;
    eddy_fv_t fv;
    eddy_pred_t pa, pb;

    assert_non_null(a);
    assert_non_null(b);
    for (int t = 0; t < 60; t++) {
        obs_at(&obs, "s", t);
        assert_int_equal(eddy_features_process(f, &obs, &fv, NULL), EDDY_FEATURES_OK);
        if (t == 30) {
            eddy_buf_reset(&buf);
            assert_int_equal(eddy_learner_save(a, "s", &buf), 0);
            assert_int_equal(
                eddy_learner_load(b, "s", buf.data, buf.len, err, sizeof(err)), 0);
        }
        assert_int_equal(eddy_learner_process(a, &fv, &pa, err, sizeof(err)),
                         EDDY_LEARN_OK);
        if (t >= 30) {
            assert_int_equal(eddy_learner_process(b, &fv, &pb, err, sizeof(err)),
                             EDDY_LEARN_OK);
            assert_memory_equal(&pa.prediction, &pb.prediction, sizeof(double));
            assert_memory_equal(pa.forecast, pb.forecast, sizeof(double) * 5);
            assert_int_equal(pa.model_version, pb.model_version);
        }
    }
    /* Every truncation of a saved state is refused. */
    for (size_t n = 0; n < buf.len; n += 1 + buf.len / 200)
        assert_int_equal(eddy_learner_load(b, "t", buf.data, n, err, sizeof(err)), -1);
    eddy_buf_free(&buf);
    eddy_features_destroy(f);
    eddy_learner_destroy(a);
    eddy_learner_destroy(b);
}

static void test_learner_roundtrip(void **state)
{
    static const char *const models[] = {"linear", "knn",     "holt_winters",
                                         "rls",    "bagging", "hoeffding_tree",
                                         "amf",    "snaive"};
    (void)state;
    for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
        learner_roundtrip(models[i]);
}

static void test_learner_refuses_other_model(void **state)
{
    char err[512];
    eddy_learner_t *a = eddy_learner_new("linear", NULL, 15, 5, 10, err, sizeof(err));
    eddy_learner_t *b = eddy_learner_new("ridge", NULL, 15, 5, 10, err, sizeof(err));
    eddy_features_t *f = eddy_features_new(15, 10);
    eddy_buf_t buf = EDDY_BUF_INIT;
    eddy_obs_t obs;
    eddy_fv_t fv;
    eddy_pred_t p;

    (void)state;
    obs_at(&obs, "s", 0);
    eddy_features_process(f, &obs, &fv, NULL);
    assert_int_equal(eddy_learner_process(a, &fv, &p, err, sizeof(err)), EDDY_LEARN_OK);
    assert_int_equal(eddy_learner_save(a, "s", &buf), 0);
    assert_int_equal(eddy_learner_load(b, "s", buf.data, buf.len, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "linear"));
    eddy_buf_free(&buf);
    eddy_features_destroy(f);
    eddy_learner_destroy(a);
    eddy_learner_destroy(b);
}

static int load_features(void *core, const eddy_buf_t *b, char *err, size_t n)
{
    return eddy_features_load(core, "t", b->data, b->len, err, n);
}

static int load_learner(void *core, const eddy_buf_t *b, char *err, size_t n)
{
    return eddy_learner_load(core, "t", b->data, b->len, err, n);
}

/* A flip of any byte of B is refused, naming the frame's MAGIC; B as it is
 * loads. */
static void refuse_flips(eddy_buf_t *b, const char *magic, void *core,
                         int (*load)(void *, const eddy_buf_t *, char *, size_t))
{
    char err[512];

    for (size_t i = 0; i < b->len; i++) {
        b->data[i] ^= 0x20;
        err[0] = '\0';
        assert_int_equal(load(core, b, err, sizeof(err)), -1);
        assert_non_null(strstr(err, magic));
        b->data[i] ^= 0x20;
    }
    assert_int_equal(load(core, b, err, sizeof(err)), 0);
}

static void test_flipped_bytes_refused(void **state)
{
    char err[512];
    eddy_learner_t *l = eddy_learner_new("linear", NULL, 15, 0, 10, err, sizeof(err));
    eddy_features_t *f = eddy_features_new(15, 10);
    eddy_buf_t fb = EDDY_BUF_INIT, lb = EDDY_BUF_INIT;
    eddy_obs_t obs;
    eddy_fv_t fv;
    eddy_pred_t p;

    (void)state;
    for (int t = 0; t < 5; t++) {
        obs_at(&obs, "s", t);
        eddy_features_process(f, &obs, &fv, NULL);
        assert_int_equal(eddy_learner_process(l, &fv, &p, err, sizeof(err)),
                         EDDY_LEARN_OK);
    }
    assert_int_equal(eddy_features_save(f, "s", &fb), 0);
    assert_int_equal(eddy_learner_save(l, "s", &lb), 0);
    refuse_flips(&fb, "EFTR", f, load_features);
    refuse_flips(&lb, "ELRN", l, load_learner);
    /* the learner's payload ends in the model's own frame */
    assert_non_null(memmem(lb.data, lb.len, "EMDL", 4));
    eddy_buf_free(&fb);
    eddy_buf_free(&lb);
    eddy_features_destroy(f);
    eddy_learner_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_features_roundtrip),
        cmocka_unit_test(test_learner_roundtrip),
        cmocka_unit_test(test_learner_refuses_other_model),
        cmocka_unit_test(test_flipped_bytes_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
