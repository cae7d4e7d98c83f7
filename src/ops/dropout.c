/*
 * dropout.c - dropout in inference (docs: aten-ops.md 3, 4.16).
 *
 *   dropout(input, p, train) / dropout_(self, p, train) / feature_dropout / alpha_dropout /
 *   feature_alpha_dropout                              -> input unchanged (train=False)
 *
 * Evaluation-mode dropout is the identity: these forms alias their input (VIEW). In
 * training mode (train=True, p > 0) they would have to draw random numbers where the
 * graph shows a view, so they are rejected at plan time (p == 0 keeps every element and
 * scales by 1: still the identity); export after run_decompositions(), which writes
 * native_dropout, run by random.c in both modes.
 */
#include "ops/op_decls.h"

#include <string.h>

static pt2c_status parse_dropout(pt2c_op_ctx *ctx, const char *input, bool train_dflt) {
    PT2C_TRY(pt2c_op_input(ctx, input, NULL));
    double p;
    bool train;
    if (!pt2c_op_arg(ctx, "p"))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'p': missing");
    PT2C_TRY(pt2c_op_float(ctx, "p", 0.0, &p));
    PT2C_TRY(pt2c_op_bool(ctx, "train", train_dflt, &train));
    if (train && p != 0.0)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "argument 'train': dropout in training mode (p=%g) is random; export "
                            "the model after model.eval()",
                            p);
    return PT2C_OK;
}

pt2c_status pt2c_parse_dropout(pt2c_op_ctx *ctx, void **params) {
    *params = NULL;
    if (!pt2c_op_arg(ctx, "train"))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'train': missing");
    return parse_dropout(ctx, pt2c_op_arg(ctx, "self") ? "self" : "input", false);
}

pt2c_status pt2c_shape_dropout(pt2c_op_ctx *ctx, void *params) {
    (void)params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    PT2C_TRY(pt2c_op_set_out(ctx, 0, x->dtype, x->rank, x->sizes));
    if (pt2c_op_n_out(ctx) > 1)
        PT2C_TRY(pt2c_op_set_out(ctx, 1, PT2C_DTYPE_BOOL, x->rank, x->sizes));
    return PT2C_OK;
}
