/*
 * passes.h - graph passes: rewrites of a program's Export IR in place, each in its own file,
 * run by name (pass_manager.c: pt2c_program_optimize) and followed by a check of the graph
 * (verify.c).
 *
 * A pass edits prog->ep (nodes, placeholders, signature), prog->state_dict and
 * prog->constants. Everything it makes lives in the program arena, like the IR the loader
 * made: new constants hold their bytes there (path_name NULL, has_meta false), so views,
 * the runner and the .pt2 writer see them like any other constant. The graph edits all
 * passes share live in graph_edit.c.
 *
 * Example (a pass that counts add nodes):
 *     static pt2c_status count_adds(pt2c_pass_ctx *ctx) {
 *         const pt2c_graph *g = &ctx->prog->ep.graph_module.graph;
 *         for (int64_t i = 0; i < g->n_nodes; i++)
 *             ctx->rewrites += strcmp(g->nodes[i].target, "torch.ops.aten.add.Tensor") == 0;
 *         return PT2C_OK;
 *     }
 */
#ifndef PT2C_PASSES_H
#define PT2C_PASSES_H

#include "api/program.h"

typedef struct pt2c_pass_ctx {
    pt2c_program *prog;
    pt2c_arena *scratch; /* freed when the pass returns */
    pt2c_error *err;
    int64_t rewrites; /* the pass counts what it changed here */
} pt2c_pass_ctx;

typedef pt2c_status (*pt2c_pass_fn)(pt2c_pass_ctx *ctx);

/* The passes (one file each). */
pt2c_status pt2c_pass_functionalize(pt2c_pass_ctx *ctx);
pt2c_status pt2c_pass_decompose(pt2c_pass_ctx *ctx);
pt2c_status pt2c_pass_cse(pt2c_pass_ctx *ctx);
pt2c_status pt2c_pass_fuse_attention(pt2c_pass_ctx *ctx);
pt2c_status pt2c_pass_fold_batch_norm(pt2c_pass_ctx *ctx);
pt2c_status pt2c_pass_fold_transposes(pt2c_pass_ctx *ctx);
pt2c_status pt2c_pass_fold_constants(pt2c_pass_ctx *ctx);
pt2c_status pt2c_pass_dce(pt2c_pass_ctx *ctx);

/* After every pass (verify.c): every value a node, output or spec reads is defined before
 * it, every tensor a node makes is described in tensor_values, every placeholder has its
 * spec and every weight spec its tensor. PT2C_ERR_INTERNAL naming the pass otherwise; with
 * pass NULL (the program as read, checked before the first pass) PT2C_ERR_FORMAT. */
pt2c_status pt2c_graph_verify(const pt2c_program *prog, const char *pass, pt2c_error *err);

/* ---------------------------------------------------------------------------------------- */
/* Graph edits (graph_edit.c)                                                               */

/* Every value name an argument reads (tensors, optional tensors, sym values, custom objects,
 * tokens, recursively through lists); visit may change *name to rename the use. */
typedef void (*pt2c_name_visit)(void *user, const char **name);
void pt2c_arg_visit_names(pt2c_arg *arg, pt2c_name_visit visit, void *user);
/* The names of the values a node makes, through lists (NULL items skipped). */
void pt2c_node_visit_outputs(pt2c_node *node, pt2c_name_visit visit, void *user);

/* How many times each value is read: node inputs and graph outputs (name -> count). */
pt2c_status pt2c_graph_count_uses(pt2c_pass_ctx *ctx, pt2c_strmap *uses);
/* Make every reader of old (nodes, graph outputs, output specs, the root module's call
 * signature) read new_name instead. */
void pt2c_graph_replace_uses(pt2c_program *prog, const char *old, const char *new_name);
/* Make what the graph returns under the name old (output specs, the module call
 * signatures) be new_name; the graph's own output list is the caller's. */
void pt2c_graph_rename_output(pt2c_program *prog, const char *old, const char *new_name);
/* Describe a new value: a tensor_values entry copying meta. */
pt2c_status pt2c_graph_add_value(pt2c_pass_ctx *ctx, const char *name,
                                 const pt2c_tensor_meta *meta);
/* Drop the nodes with remove[i] set, keeping the others in order. */
void pt2c_graph_remove_nodes(pt2c_program *prog, const bool *remove);
/* Remove nodes no one reads and that have no effect (assertions, in-place ops and ops pt2c
 * does not know stay). *removed counts them. */
pt2c_status pt2c_graph_remove_dead_nodes(pt2c_pass_ctx *ctx, int64_t *removed);
/* True when running the node only computes its outputs (no write, no check, no I/O). */
bool pt2c_node_is_pure(const pt2c_node *node);
/* An aten op whose name ends in '_' (add_, copy_): it writes its self argument. */
bool pt2c_node_writes_in_place(const pt2c_node *node);
/* An op whose results differ from call to call (rand, dropout) or are undefined (empty):
 * never folded, never merged. */
bool pt2c_node_is_random(const pt2c_node *node);
/* A named input of the node (NULL if it omits it: the schema default), its argument, and
 * the value name of a Tensor or Tensor? argument (NULL if absent, None or not a tensor). */
pt2c_named_arg *pt2c_node_find_arg(const pt2c_node *node, const char *name);
const pt2c_arg *pt2c_node_arg(const pt2c_node *node, const char *name);
const char *pt2c_node_tensor_arg(const pt2c_node *node, const char *name);

/* The metadata of a tensor value, or NULL. */
const pt2c_tensor_meta *pt2c_graph_meta(const pt2c_graph *g, const char *name);
/* True when every size, stride and the offset are literals; *bytes gets the dense size. */
bool pt2c_meta_static(const pt2c_tensor_meta *m, uint64_t *bytes);
/* A value name no placeholder, node or node output of the graph uses yet: base, else base_1,
 * base_2, ... (arena). */
const char *pt2c_graph_fresh_name(pt2c_pass_ctx *ctx, const char *base);
/* Lift a dense tensor into a new constant: a TENSOR_CONSTANT placeholder placed before the
 * user inputs, its spec, its tensor_values entry and a prog->constants tensor whose storage
 * is data (already in the program arena, 64-byte aligned, sizes[] contiguous). device is
 * copied from like (nullable). *placeholder receives the new value name. */
pt2c_status pt2c_graph_add_constant(pt2c_pass_ctx *ctx, const char *base, pt2c_dtype dtype,
                                    int32_t rank, const int64_t *sizes, const void *data,
                                    uint64_t bytes, const pt2c_tensor_meta *like,
                                    const char **placeholder);
/* Remove placeholders of weights, buffers and constants nothing reads, with their tensors
 * (not mutated buffers, not user inputs). *removed counts them. */
pt2c_status pt2c_graph_remove_unused_inputs(pt2c_pass_ctx *ctx, int64_t *removed);
/* Rebuild tensor_values and its index with only the values the graph still defines. */
pt2c_status pt2c_graph_compact_values(pt2c_program *prog, pt2c_error *err);

#endif /* PT2C_PASSES_H */
