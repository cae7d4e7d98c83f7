/*
 * dce.c - dead-code elimination: nodes whose results nothing reads and that have no effect,
 * then the weights, buffers and constants no node reads any more (with their tensors, so a
 * written .pt2 does not carry them). Assertions, in-place ops, mutated buffers and user
 * inputs always stay.
 */
#include "passes/passes.h"

pt2c_status pt2c_pass_dce(pt2c_pass_ctx *ctx) {
    int64_t nodes = 0, inputs = 0;
    PT2C_TRY(pt2c_graph_remove_dead_nodes(ctx, &nodes));
    PT2C_TRY(pt2c_graph_remove_unused_inputs(ctx, &inputs));
    ctx->rewrites += nodes + inputs;
    return PT2C_OK;
}
