/*
 * decompose.h - the builder the decomposition rules (decompose_rules.c) write with, and the
 * static shape arithmetic they need (decompose.c).
 *
 * The pass walks the graph in order. A node whose target has a rule is handed to it; the rule
 * emits the Core ATen nodes that compute the same values (the last of them writing the
 * original output names, so readers need no rewiring) and sets *done. A rule that declines
 * (dynamic sizes where it needs literals, an argument form it does not know) leaves *done
 * false and the node is kept as it is; whatever it emitted is dropped.
 *
 * Example (a rule for softmax.int):
 *     static pt2c_status softmax(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
 *         pt2c_named_arg args[] = {dec_tensor("self", dec_input(n, "self")),
 *                                  dec_int("dim", dim), dec_bool("half_to_float", false)};
 *         *done = true;
 *         return dec_emit_like(d, "torch.ops.aten._softmax.default", args, 3, n);
 *     }
 */
#ifndef PT2C_DECOMPOSE_H
#define PT2C_DECOMPOSE_H

#include "passes/passes.h"

enum { DEC_MAX_RANK = 16 };

/* A tensor whose sizes, strides and offset are all literals. */
typedef struct dec_shape {
    pt2c_dtype dtype;
    int32_t rank;
    int64_t size[DEC_MAX_RANK];
    int64_t stride[DEC_MAX_RANK];
    int64_t offset;
    bool requires_grad;
} dec_shape;

typedef struct pt2c_decomposer {
    pt2c_pass_ctx *pass;
    pt2c_graph *g;
    const pt2c_node *origin; /* the node being decomposed: its metadata goes on every node */
    pt2c_node *nodes;        /* the new graph's nodes (program arena) */
    int64_t n_nodes, cap_nodes;
    pt2c_named_tensor_meta *values; /* tensor_values of the new values (scratch) */
    int64_t n_values, cap_values;
    pt2c_strmap new_values; /* name -> index in values */
    pt2c_strmap names;      /* every name in use, for fresh names */
    pt2c_strmap renamed;    /* value -> index in rename_*: a rule made it an alias */
    const char **rename_from, **rename_to;
    bool unchanged; /* set by a rule that rewrote a node into itself (not counted) */
    int64_t n_renamed, cap_renamed;
} pt2c_decomposer;

typedef pt2c_status (*dec_rule)(pt2c_decomposer *d, const pt2c_node *n, bool *done);
/* The rule for a target, or NULL (decompose_rules.c). */
dec_rule dec_find_rule(const char *target);

/* ---- reading the node being decomposed ---- */
const char *dec_input(const pt2c_node *n, const char *arg_name); /* tensor arg or NULL */
/* An int argument; dflt when absent, false when present but not an int literal. */
bool dec_get_int(const pt2c_node *n, const char *arg_name, int64_t dflt, int64_t *out);
bool dec_get_bool(const pt2c_node *n, const char *arg_name, bool dflt, bool *out);
/* A literal int list (INTS, or SYM_INTS whose items are all literals) into out[cap]; when
 * absent, n_dflt copies of dflt. false when not literal or longer than cap. */
bool dec_get_ints(const pt2c_node *n, const char *arg_name, int64_t dflt, int32_t n_dflt,
                  int64_t *out, int32_t cap, int32_t *count);
/* The first output's value name (as_tensor), or NULL. */
const char *dec_output(const pt2c_node *n);
/* The static shape of a value (graph or new); false when unknown or symbolic. */
bool dec_shape_of(pt2c_decomposer *d, const char *value, dec_shape *out);
const pt2c_tensor_meta *dec_meta_of(pt2c_decomposer *d, const char *value);

/* ---- arguments of emitted nodes (strings and lists live in the program arena) ---- */
pt2c_named_arg dec_tensor(const char *arg_name, const char *value);
pt2c_named_arg dec_int(const char *arg_name, int64_t v);
pt2c_named_arg dec_float(const char *arg_name, double v);
pt2c_named_arg dec_bool(const char *arg_name, bool v);
pt2c_named_arg dec_none(const char *arg_name);
pt2c_named_arg dec_ints(pt2c_decomposer *d, const char *arg_name, const int64_t *v, int32_t n);
pt2c_named_arg dec_kw(pt2c_named_arg a); /* the same argument, passed by keyword */
/* memory_format (torch.contiguous_format / preserve_format), dtype, layout=torch.strided and
 * device (like's, else cpu) passed by keyword, as export writes them. */
enum { DEC_CONTIGUOUS_FORMAT = 1, DEC_PRESERVE_FORMAT = 4, DEC_LAYOUT_STRIDED = 7 };
pt2c_named_arg dec_memory_format(int64_t format);
pt2c_named_arg dec_scalar_type(const char *arg_name, pt2c_dtype dtype);
pt2c_named_arg dec_layout_strided(void);
pt2c_named_arg dec_device(const pt2c_tensor_meta *like);
/* A Scalar argument as export writes a Python number: int when integral. */
pt2c_named_arg dec_number(const char *arg_name, double v);
bool dec_is_float(pt2c_dtype t);
/* A copy of the node's own argument (absent: *found false). */
pt2c_named_arg dec_copy_arg(const pt2c_node *n, const char *arg_name, const char *new_name,
                            bool *found);

/* ---- emitting ---- */
/* target(args) -> one tensor described by shape, named out_name (NULL: fresh from the op's
 * name). *out gets the name. */
pt2c_status dec_emit(pt2c_decomposer *d, const char *target, const pt2c_named_arg *args,
                     int32_t n_args, const dec_shape *shape, const char *out_name,
                     const char **out);
/* The same with the metadata given directly (copied): for results shaped like a value the
 * graph already describes, symbolic sizes included. */
pt2c_status dec_emit_meta(pt2c_decomposer *d, const char *target, const pt2c_named_arg *args,
                          int32_t n_args, const pt2c_tensor_meta *meta, const char *out_name,
                          const char **out);
/* The original node's last step: target(args) writing n's output (name and metadata). */
pt2c_status dec_emit_like(pt2c_decomposer *d, const char *target, const pt2c_named_arg *args,
                          int32_t n_args, const pt2c_node *n);
/* A node with several tensor outputs: names[k] NULL gets "<node>_unused_<k>" as torch's
 * serializer names outputs nothing reads. */
pt2c_status dec_emit_multi(pt2c_decomposer *d, const char *target, const pt2c_named_arg *args,
                           int32_t n_args, const char *const *names,
                           const pt2c_tensor_meta *const *metas, int32_t n_out);
/* Describe a name reserved with dec_fresh that a list-output node will make. */
pt2c_status dec_describe(pt2c_decomposer *d, const char *name, const pt2c_tensor_meta *meta);
/* A node whose one output is a list of tensors (split_with_sizes), each already described. */
pt2c_status dec_emit_list(pt2c_decomposer *d, const char *target, const pt2c_named_arg *args,
                          int32_t n_args, pt2c_arg *list);
/* A node of n's kind kept as is but with another target and arguments, outputs unchanged. */
pt2c_status dec_emit_retarget(pt2c_decomposer *d, const pt2c_node *n, const char *target,
                              const pt2c_named_arg *args, int32_t n_args);
/* Whether any node of the graph or the graph's outputs reads value. */
bool dec_value_used(pt2c_decomposer *d, const char *value);
/* A value name nothing uses yet (base, base_1, ...), reserved: a rule that emits a result
 * under it gets it described by that emit. */
const char *dec_fresh(pt2c_decomposer *d, const char *base);
/* Readers of value now read to (the rule computes nothing for it). */
pt2c_status dec_alias(pt2c_decomposer *d, const char *value, const char *to);
/* Metadata for a static shape (program arena), device and layout from like (nullable). */
pt2c_tensor_meta *dec_meta_from_shape(pt2c_decomposer *d, const dec_shape *s,
                                      const pt2c_tensor_meta *like);

/* ---- composite rules other rules build on (decompose_rules.c, decompose_rnn.c) ---- */
/* linear(x, w, b) as Core ATen writes it, its result named out (a graph value, or a name
 * reserved with dec_fresh). *done false (nothing usable emitted) on symbolic sizes. */
pt2c_status dec_emit_linear(pt2c_decomposer *d, const char *x, const char *w, const char *b,
                            const char *out, bool *done);
/* view(x, sizes) writing out_name (NULL: fresh), its layout computed. */
pt2c_status dec_emit_view(pt2c_decomposer *d, const char *x, const dec_shape *xs,
                          const int64_t *sizes, int32_t rank, const char *out_name,
                          const char **out);
/* reshape as ATen does it: a view when the strides allow, else a contiguous clone and a view
 * of it; sizes may hold one -1. */
pt2c_status dec_emit_reshape(pt2c_decomposer *d, const char *x, const dec_shape *xs,
                             const int64_t *sizes, int32_t rank, const char *out_name,
                             const char **out);
pt2c_status dec_emit_permute(pt2c_decomposer *d, const char *x, const dec_shape *xs,
                             const int64_t *perm, dec_shape *out_shape, const char **out);
/* convolution(args) (9 arguments, args[0] the input) writing n's output; an unbatched input
 * (rank k + 1 for k spatial dims) is unsqueezed first and the result squeezed, as ATen's
 * batchify does (decompose_nn.c). */
pt2c_status dec_emit_convolution(pt2c_decomposer *d, const pt2c_node *n, pt2c_named_arg *args,
                                 int32_t k, bool *done);
pt2c_status dec_rule_lstm(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_gru(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_rnn_tanh(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_rnn_relu(pt2c_decomposer *d, const pt2c_node *n, bool *done);

/* Rules of decompose_nn.c, decompose_math.c and decompose_shape.c (the table is in
 * decompose_rules.c). */
pt2c_status dec_rule_conv1d_padding(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_conv2d_padding(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_conv3d_padding(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_max_pool1d(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_instance_norm(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_upsample_nearest(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_upsample_nearest_exact(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_upsample_linear1d(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_clamp_min(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_clamp_max(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_clamp_min_tensor(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_clamp_max_tensor(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_rsub(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_square(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_relu6(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_where_scalar(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_masked_fill_tensor(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_fill_scalar(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_fill_tensor(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_isfinite(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_baddbmm(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_sum(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_all(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_all_dim(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_var(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_std(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_var_mean(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_std_mean(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_logsumexp(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_argsort(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_safe_softmax(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_rms_norm(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_group_norm(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_expand_as(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_view_as(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_unsafe_view(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_movedim(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_narrow(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_squeeze(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_stack(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_tile(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_tril(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_triu(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_roll(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_diff(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_repeat_interleave(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_repeat_interleave_tensor(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_zeros_like(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_ones_like(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_empty_like(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_new_full(pt2c_decomposer *d, const pt2c_node *n, bool *done);
pt2c_status dec_rule_new_empty(pt2c_decomposer *d, const pt2c_node *n, bool *done);

/* ---- static shape arithmetic, as ATen computes it ---- */
void dec_contiguous(dec_shape *s); /* contiguous strides, offset 0 */
bool dec_is_contiguous(const dec_shape *s);
/* Dims normalised against rank (negative counts from the end); false out of range. */
bool dec_norm_dim(int64_t dim, int32_t rank, int64_t *out);
void dec_permute(const dec_shape *in, const int64_t *perm, dec_shape *out);
/* view(in, sizes): -1 inferred into *resolved; false when the sizes do not fit or the view is
 * impossible without a copy (then out has contiguous strides). */
bool dec_view(const dec_shape *in, const int64_t *sizes, int32_t rank, dec_shape *out);
bool dec_infer_sizes(int64_t numel, const int64_t *sizes, int32_t rank, int64_t *resolved);
int64_t dec_numel(const dec_shape *s);
/* expand(in, sizes) with -1 keeping a size; false when not broadcastable. */
bool dec_expand(const dec_shape *in, const int64_t *sizes, int32_t rank, dec_shape *out);
/* An elementwise op's result over one input: dense, in the input's dim order. */
void dec_like_elementwise(const dec_shape *in, dec_shape *out);

#endif /* PT2C_DECOMPOSE_H */
