/*
 * dropout.c - dropout in inference (docs: aten-ops.md 3, 4.16).
 *
 *   dropout(input, p, train) / dropout_(self, p, train) / feature_dropout / alpha_dropout /
 *   feature_alpha_dropout                              -> input unchanged (train=False)
 *   native_dropout(input, p, train?) -> (input, mask = ones(bool))   (train=False)
 *
 * Evaluation-mode dropout is the identity: the plain forms alias their input (VIEW); the
 * native form copies, because it also fills the all-true mask. Training-mode dropout draws
 * random numbers that cannot match PyTorch's generator, so train=True with p > 0 is
 * rejected at plan time (p == 0 keeps every element and scales by 1: still the identity).
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

/* native_dropout: train is optional and None means training. */
pt2c_status pt2c_parse_native_dropout(pt2c_op_ctx *ctx, void **params) {
    *params = NULL;
    return parse_dropout(ctx, "input", true);
}

pt2c_status pt2c_shape_dropout(pt2c_op_ctx *ctx, void *params) {
    (void)params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    PT2C_TRY(pt2c_op_set_out(ctx, 0, x->dtype, x->rank, x->sizes));
    if (pt2c_op_n_out(ctx) > 1)
        PT2C_TRY(pt2c_op_set_out(ctx, 1, PT2C_DTYPE_BOOL, x->rank, x->sizes));
    return PT2C_OK;
}

void pt2c_k_native_dropout(const pt2c_kernel_args *args, int ith, int nth) {
    const pt2c_ktensor *x = args->in[0];
    size_t elem = pt2c_dtype_size(x->dtype);
    int64_t begin, end;
    pt2c_split_range(x->numel, ith, nth, &begin, &end);
    if (end <= begin)
        return;
    if (args->out[0])
        memcpy((char *)args->out[0]->data + (size_t)begin * elem,
               (const char *)x->data + (size_t)begin * elem, (size_t)(end - begin) * elem);
    if (args->n_out > 1 && args->out[1])
        memset((uint8_t *)args->out[1]->data + begin, 1, (size_t)(end - begin));
}
