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
pt2c_status pt2c_pass_fuse_activations(pt2c_pass_ctx *ctx);
pt2c_status pt2c_pass_fuse_norms(pt2c_pass_ctx *ctx);
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

/* ---------------------------------------------------------------------------------------- */
/* Pattern fusion (pattern.c): replace a subgraph by one op                                 */
/*
 * A fusion picks a root node (the subgraph's result), walks back through the producers of
 * its inputs with the take functions, each of which adds the node it returns to the match,
 * and calls pt2c_pattern_replace with the op and arguments that compute the same result.
 * The root node is rewritten in place (it keeps its name, its output's name and metadata, so
 * its readers need no change); the matched nodes are removed by pt2c_pattern_finish. Walk
 * the roots from the last node back so that the largest pattern is tried first.
 *
 *     pt2c_pattern p;
 *     PT2C_TRY(pt2c_pattern_init(ctx, &p));
 *     for (int64_t i = p.g->n_nodes - 1; i >= 0; i--) {
 *         if (!pt2c_pattern_begin(&p, i)) continue;
 *         const char *x = pt2c_node_tensor_arg(pt2c_pattern_root(&p), "self");
 *         if (!pt2c_pattern_take(&p, x, "torch.ops.aten.neg.default")) continue;
 *         ... args = {"self", neg's input}; pt2c_pattern_replace(&p, target, args, 1, &done)
 *     }
 *     return pt2c_pattern_finish(&p);
 */

enum { PT2C_PATTERN_MAX = 32 }; /* nodes in one match (masked safe-softmax attention: 25) */

typedef struct pt2c_pattern {
    pt2c_pass_ctx *ctx;
    pt2c_graph *g;
    pt2c_strmap producer; /* value name -> index of the node making it (one tensor output) */
    pt2c_strmap uses;     /* value name -> reads by nodes and graph outputs, except reads by
                             _assert_tensor_metadata (removed with what they check) */
    bool *consumed;       /* n_nodes: swallowed by a fusion, removed by _finish (scratch) */
    int64_t root;         /* the node being matched */
    int64_t match[PT2C_PATTERN_MAX]; /* node indices taken so far, each once */
    int32_t n_match;
} pt2c_pattern;

pt2c_status pt2c_pattern_init(pt2c_pass_ctx *ctx, pt2c_pattern *p);
/* Start a match at node root: false if it cannot be one (already swallowed, not one tensor
 * output). */
bool pt2c_pattern_begin(pt2c_pattern *p, int64_t root);
pt2c_node *pt2c_pattern_root(pt2c_pattern *p);
/* The node making value name, when it runs target (and is neither the root nor swallowed),
 * added to the match; NULL otherwise. A matcher trying alternatives saves p->n_match and
 * restores it when one fails (what a failed attempt took stays in the match otherwise). */
pt2c_node *pt2c_pattern_take(pt2c_pattern *p, const char *name, const char *target);
/* The node making value name: the root, or any other node, added to the match. */
pt2c_node *pt2c_pattern_node(pt2c_pattern *p, const char *name);
/* aten.<op>.Tensor or .Scalar of a tensor self and a literal other (alpha 1): self, and the
 * literal in *value; the take_ form adds the node making name. NULL otherwise. */
const char *pt2c_pattern_scalar_op(const pt2c_node *n, const char *op, double *value);
const char *pt2c_pattern_take_scalar_op(pt2c_pattern *p, const char *name, const char *op,
                                        double *value);
/* aten.<op>.Tensor of two tensors (alpha 1): its operands. */
bool pt2c_pattern_tensor_op(const pt2c_node *n, const char *op, const char **self,
                            const char **other);
pt2c_node *pt2c_pattern_take_tensor_op(pt2c_pattern *p, const char *name, const char *op,
                                       const char **self, const char **other);
/* Through to.dtype nodes that cast to the dtype their input already has (the training IR's
 * .to(torch.float32) of a float32 tensor), each added to the match: the value under them. */
const char *pt2c_pattern_skip_casts(pt2c_pattern *p, const char *name);
/* A Scalar argument given as an int or float literal. */
bool pt2c_pattern_scalar(const pt2c_node *n, const char *name, double *value);
/* value is want to within 1e-6 relative (constants written with fewer digits match). */
bool pt2c_pattern_near(double value, double want);
/* Both non-NULL and equal. */
bool pt2c_pattern_same(const char *a, const char *b);
/* Rewrite the root as target(args) if that is safe: args[0] is the tensor the pattern
 * computes on, with the root's sizes; every tensor in args is float32 and made outside the
 * match; every matched node makes one float32 tensor read only by the match and the root
 * (and assertions); no matched node is swallowed already. *replaced says whether it was;
 * args are copied (lists one level deep). Counts one rewrite. */
pt2c_status pt2c_pattern_replace(pt2c_pattern *p, const char *target, const pt2c_named_arg *args,
                                 int32_t n_args, bool *replaced);
/* The same for an op whose result is not shaped like args[0] (attention): the caller has
 * checked that target(args) has the root's sizes and dtype; intermediates may be of any
 * dtype (a mask's booleans). */
pt2c_status pt2c_pattern_replace_op(pt2c_pattern *p, const char *target, const pt2c_named_arg *args,
                                    int32_t n_args, bool *replaced);
/* Remove the swallowed nodes and the assertions on their results. */
pt2c_status pt2c_pattern_finish(pt2c_pattern *p);

#endif /* PT2C_PASSES_H */
