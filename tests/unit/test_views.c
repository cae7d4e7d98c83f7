/* test_views.c - the text views on a hand-built program: signature (byte for byte against
 * what torch 2.13 prints), range constraints, tensor tables, JSON (parsed back with json-c)
 * and the summary. */
#include "harness.h"
#include "views/views.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* Building a program by hand                                                               */

typedef struct fixture {
    pt2c_program prog;
    float weight[6 * 3 * 5 * 5];
    float bias_storage[13];
    uint8_t mask[6];
    uint16_t half[2];
    uint16_t bf16[3];
    float short_storage[2];
    uint8_t opaque_bytes[5];
} fixture;

static pt2c_arena *A(fixture *f) { return &f->prog.arena; }

static pt2c_sym lit(int64_t v) { return (pt2c_sym){.is_expr = false, .i = v}; }

static pt2c_sym expr(const char *e, int64_t hint) {
    pt2c_sym s = {.is_expr = true};
    s.expr.expr_str = e;
    s.expr.hint_kind = PT2C_HINT_INT;
    s.expr.hint_int = hint;
    return s;
}

static pt2c_arg tensor_arg(const char *name) {
    return (pt2c_arg){.kind = PT2C_ARG_TENSOR, .name = name};
}

/* Contiguous tensor metadata with the given sizes (entries are literals or expressions). */
static pt2c_tensor_meta meta(fixture *f, pt2c_dtype dtype, int32_t rank, const pt2c_sym *sizes) {
    pt2c_tensor_meta m = {.dtype = dtype, .rank = rank};
    m.sizes = PT2C_ARENA_ARRAY(A(f), pt2c_sym, rank ? rank : 1);
    m.strides = PT2C_ARENA_ARRAY(A(f), pt2c_sym, rank ? rank : 1);
    for (int32_t d = 0; d < rank; d++) {
        m.sizes[d] = sizes[d];
        m.strides[d] = lit(1); /* the views only print strides; their values do not matter */
    }
    m.storage_offset = lit(0);
    m.device.type = "cpu";
    m.device.index = -1;
    m.layout = 7;
    return m;
}

static pt2c_tensor_data tdata(fixture *f, const char *name, pt2c_dtype dtype, int32_t rank,
                              const int64_t *sizes, const int64_t *strides, int64_t offset,
                              const void *storage, uint64_t storage_bytes, bool is_param) {
    pt2c_tensor_data t = {.name = name, .dtype = dtype, .rank = rank, .is_param = is_param};
    t.sizes = PT2C_ARENA_ARRAY(A(f), int64_t, rank ? rank : 1);
    t.strides = PT2C_ARENA_ARRAY(A(f), int64_t, rank ? rank : 1);
    int64_t stride = 1;
    for (int32_t d = rank - 1; d >= 0; d--) {
        t.sizes[d] = sizes[d];
        t.strides[d] = strides ? strides[d] : stride;
        stride *= sizes[d];
    }
    t.storage_offset = offset;
    t.storage = storage;
    t.storage_bytes = storage_bytes;
    t.requires_grad = is_param;
    return t;
}

/* The program of this torch 2.13 export (the M1 model of the test notes):
 *
 *   class M1(nn.Module):          # conv = Conv2d(3, 6, 5); buffers mask (bool), count,
 *       def forward(s, x, n: int, k: float = 2.0):   # np (non-persistent); constant c
 *           ...
 *           return y.relu(), 3, None
 *   export(..., dynamic_shapes={"x": {0: Dim("b", min=2, max=64), 2: Dim("h", min=8)},
 *                               "n": Dim.DYNAMIC, "k": None})
 *
 * with a smaller graph: conv2d, relu and two adds. */
static fixture *build(void) {
    fixture *f = calloc(1, sizeof *f);
    pt2c_program *p = &f->prog;
    p->allocator = pt2c_default_allocator();
    p->limits.max_json_depth = 64;
    pt2c_arena_init(&p->arena, p->allocator);
    p->path = "m1.pt2";
    p->layout = PT2C_LAYOUT_PT2;
    p->archive_root = "m1/";
    p->archive_version = "0";
    p->model_name = "model";
    p->model_entry = "m1/models/model.json";
    p->byteorder = "little";

    pt2c_exported_program *ep = &p->ep;
    ep->schema_major = 8;
    ep->schema_minor = 20;
    ep->torch_version = "2.13.0+cpu";
    ep->verifiers = PT2C_ARENA_ARRAY(A(f), const char *, 1);
    ep->verifiers[0] = "TRAINING";
    ep->n_verifiers = 1;
    ep->opset_version = PT2C_ARENA_ARRAY(A(f), pt2c_opset, 1);
    ep->opset_version[0] = (pt2c_opset){"aten", 14};
    ep->n_opset_version = 1;

    ep->range_constraints = PT2C_ARENA_ARRAY(A(f), pt2c_range_constraint, 4);
    ep->range_constraints[0] = (pt2c_range_constraint){"s77", true, 2, true, 64};
    ep->range_constraints[1] = (pt2c_range_constraint){"s53", true, 8, false, 0};
    ep->range_constraints[2] = (pt2c_range_constraint){"s86", true, 0, false, 0};
    ep->range_constraints[3] = (pt2c_range_constraint){"s7", false, 0, true, 5}; /* unused */
    ep->n_range_constraints = 4;

    /* Graph */
    pt2c_graph *g = &ep->graph_module.graph;
    pt2c_strmap_init(&g->tensor_index, A(f));
    const char *inputs[] = {"p_conv_weight", "p_conv_bias", "b_mask", "b_count",
                            "b_np",          "c_c",         "x"};
    g->inputs = PT2C_ARENA_ARRAY(A(f), pt2c_arg, 9);
    for (int i = 0; i < 7; i++)
        g->inputs[i] = tensor_arg(inputs[i]);
    g->inputs[7] = (pt2c_arg){.kind = PT2C_ARG_SYM_INT, .name = "n"};
    g->inputs[8] = (pt2c_arg){.kind = PT2C_ARG_FLOAT, .f = 2.0};
    g->n_inputs = 9;

    pt2c_sym wsz[4] = {lit(6), lit(3), lit(5), lit(5)};
    pt2c_sym v6[1] = {lit(6)};
    pt2c_sym v1[1] = {lit(1)};
    pt2c_sym v2[1] = {lit(2)};
    pt2c_sym xsz[4] = {expr("s77", 2), lit(3), expr("s53", 16), lit(16)};
    pt2c_sym ysz[4] = {expr("s77", 2), lit(6), expr("s53 - 4", 12), lit(12)};
    g->tensor_values = PT2C_ARENA_ARRAY(A(f), pt2c_named_tensor_meta, 11);
    int64_t nt = 0;
    g->tensor_values[nt++] =
        (pt2c_named_tensor_meta){"p_conv_weight", meta(f, PT2C_DTYPE_F32, 4, wsz)};
    g->tensor_values[nt++] =
        (pt2c_named_tensor_meta){"p_conv_bias", meta(f, PT2C_DTYPE_F32, 1, v6)};
    g->tensor_values[nt++] = (pt2c_named_tensor_meta){"b_mask", meta(f, PT2C_DTYPE_BOOL, 1, v6)};
    g->tensor_values[nt++] = (pt2c_named_tensor_meta){"b_count", meta(f, PT2C_DTYPE_F32, 1, v1)};
    g->tensor_values[nt++] = (pt2c_named_tensor_meta){"b_np", meta(f, PT2C_DTYPE_F16, 1, v2)};
    g->tensor_values[nt++] = (pt2c_named_tensor_meta){"c_c", meta(f, PT2C_DTYPE_BF16, 1, v2)};
    g->tensor_values[nt++] = (pt2c_named_tensor_meta){"x", meta(f, PT2C_DTYPE_F32, 4, xsz)};
    g->tensor_values[nt++] = (pt2c_named_tensor_meta){"conv2d", meta(f, PT2C_DTYPE_F32, 4, ysz)};
    g->tensor_values[nt++] = (pt2c_named_tensor_meta){"relu", meta(f, PT2C_DTYPE_F32, 4, ysz)};
    g->tensor_values[nt++] = (pt2c_named_tensor_meta){"add", meta(f, PT2C_DTYPE_F32, 4, ysz)};
    g->tensor_values[nt++] = (pt2c_named_tensor_meta){"add_1", meta(f, PT2C_DTYPE_F32, 4, ysz)};
    g->n_tensor_values = nt;
    for (int64_t i = 0; i < nt; i++)
        pt2c_strmap_put(&g->tensor_index, g->tensor_values[i].name, i);
    g->sym_int_values = PT2C_ARENA_ARRAY(A(f), pt2c_named_sym, 1);
    g->sym_int_values[0] = (pt2c_named_sym){"n", expr("s86", 4)};
    g->n_sym_int_values = 1;

    g->nodes = PT2C_ARENA_ARRAY(A(f), pt2c_node, 4);
    pt2c_node *conv = &g->nodes[0];
    conv->target = "torch.ops.aten.conv2d.default";
    conv->name = "conv2d";
    conv->has_name = true;
    conv->is_hop_single_tensor_return = -1;
    conv->inputs = PT2C_ARENA_ARRAY(A(f), pt2c_named_arg, 5);
    conv->inputs[0] = (pt2c_named_arg){"input", tensor_arg("x"), PT2C_PASS_POSITIONAL};
    conv->inputs[1] = (pt2c_named_arg){"weight", tensor_arg("p_conv_weight"), PT2C_PASS_POSITIONAL};
    conv->inputs[2] = (pt2c_named_arg){"bias", tensor_arg("p_conv_bias"), PT2C_PASS_POSITIONAL};
    pt2c_arg stride = {.kind = PT2C_ARG_INTS, .n_items = 2};
    stride.items = PT2C_ARENA_ARRAY(A(f), pt2c_arg, 2);
    stride.items[0] = (pt2c_arg){.kind = PT2C_ARG_INT, .i = 1};
    stride.items[1] = (pt2c_arg){.kind = PT2C_ARG_INT, .i = 1};
    conv->inputs[3] = (pt2c_named_arg){"stride", stride, PT2C_PASS_KEYWORD};
    conv->inputs[4] = (pt2c_named_arg){
        "alpha", {.kind = PT2C_ARG_FLOAT, .f = (double)NAN}, PT2C_PASS_UNSPECIFIED};
    conv->n_inputs = 5;
    conv->outputs = PT2C_ARENA_ARRAY(A(f), pt2c_arg, 1);
    conv->outputs[0] = tensor_arg("conv2d");
    conv->n_outputs = 1;
    conv->metadata = PT2C_ARENA_ARRAY(A(f), pt2c_kv, 1);
    /* quotes, a newline, a control byte and a stray continuation byte must all be escaped */
    conv->metadata[0] = (pt2c_kv){"stack_trace", "File \"m.py\", line 3\n\x01 y = conv(x) \x80"};
    conv->n_metadata = 1;

    const char *names[3] = {"relu", "add", "add_1"};
    const char *targets[3] = {"torch.ops.aten.relu.default", "torch.ops.aten.add.Tensor",
                              "torch.ops.aten.add.Tensor"};
    const char *srcs[3] = {"conv2d", "relu", "add"};
    for (int i = 0; i < 3; i++) {
        pt2c_node *nd = &g->nodes[1 + i];
        nd->target = targets[i];
        nd->name = names[i];
        nd->is_hop_single_tensor_return = -1;
        nd->inputs = PT2C_ARENA_ARRAY(A(f), pt2c_named_arg, 2);
        nd->inputs[0] = (pt2c_named_arg){"self", tensor_arg(srcs[i]), PT2C_PASS_POSITIONAL};
        nd->inputs[1] = (pt2c_named_arg){"other", tensor_arg(srcs[i]), PT2C_PASS_POSITIONAL};
        nd->n_inputs = i == 0 ? 1 : 2;
        nd->outputs = PT2C_ARENA_ARRAY(A(f), pt2c_arg, 1);
        nd->outputs[0] = tensor_arg(names[i]);
        nd->n_outputs = 1;
    }
    g->n_nodes = 4;
    g->outputs = PT2C_ARENA_ARRAY(A(f), pt2c_arg, 3);
    g->outputs[0] = tensor_arg("add_1");
    g->outputs[1] = (pt2c_arg){.kind = PT2C_ARG_INT, .i = 3};
    g->outputs[2] = (pt2c_arg){.kind = PT2C_ARG_NONE};
    g->n_outputs = 3;

    /* Signature, as serialized by torch 2.13 for M1 */
    pt2c_graph_signature *sig = &ep->graph_module.signature;
    sig->input_specs = PT2C_ARENA_ARRAY(A(f), pt2c_input_spec, 9);
    pt2c_input_spec *in = sig->input_specs;
    in[0] =
        (pt2c_input_spec){PT2C_INPUT_PARAMETER, tensor_arg("p_conv_weight"), "conv.weight", false};
    in[1] = (pt2c_input_spec){PT2C_INPUT_PARAMETER, tensor_arg("p_conv_bias"), "conv.bias", false};
    in[2] = (pt2c_input_spec){PT2C_INPUT_BUFFER, tensor_arg("b_mask"), "mask", true};
    in[3] = (pt2c_input_spec){PT2C_INPUT_BUFFER, tensor_arg("b_count"), "count", true};
    in[4] = (pt2c_input_spec){PT2C_INPUT_BUFFER, tensor_arg("b_np"), "np", false};
    in[5] = (pt2c_input_spec){PT2C_INPUT_TENSOR_CONSTANT, tensor_arg("c_c"), "c", false};
    in[6] = (pt2c_input_spec){PT2C_INPUT_USER_INPUT, tensor_arg("x"), NULL, false};
    in[7] = (pt2c_input_spec){
        PT2C_INPUT_USER_INPUT, {.kind = PT2C_ARG_SYM_INT, .name = "n"}, NULL, false};
    in[8] = (pt2c_input_spec){
        PT2C_INPUT_CONSTANT_INPUT, {.kind = PT2C_ARG_FLOAT, .f = 2.0}, "k", false};
    sig->n_input_specs = 9;
    sig->output_specs = PT2C_ARENA_ARRAY(A(f), pt2c_output_spec, 3);
    sig->output_specs[0] = (pt2c_output_spec){PT2C_OUTPUT_USER_OUTPUT, tensor_arg("relu"), NULL};
    sig->output_specs[1] =
        (pt2c_output_spec){PT2C_OUTPUT_USER_OUTPUT, {.kind = PT2C_ARG_INT, .i = 3}, NULL};
    sig->output_specs[2] =
        (pt2c_output_spec){PT2C_OUTPUT_USER_OUTPUT, {.kind = PT2C_ARG_NONE}, NULL};
    sig->n_output_specs = 3;

    /* Tensors with data */
    for (int i = 0; i < 6 * 3 * 5 * 5; i++)
        f->weight[i] = (float)i * 0.5f - 1.0f;
    for (int i = 0; i < 13; i++)
        f->bias_storage[i] = (float)i * 0.25f;
    const uint8_t mask[6] = {1, 0, 1, 1, 0, 1};
    memcpy(f->mask, mask, sizeof mask);
    f->half[0] = 0x3c00; /* 1.0 */
    f->half[1] = 0xc000; /* -2.0 */
    f->bf16[0] = 0x3fc0; /* 1.5 */
    f->bf16[1] = 0xbf80; /* -1.0 */

    p->state_dict = PT2C_ARENA_ARRAY(A(f), pt2c_tensor_data, 4);
    int64_t wsizes[4] = {6, 3, 5, 5}, six[1] = {6}, one[1] = {1}, two[1] = {2}, b_stride[1] = {2};
    p->state_dict[0] = tdata(f, "conv.weight", PT2C_DTYPE_F32, 4, wsizes, NULL, 0, f->weight,
                             sizeof f->weight, true);
    /* bias: every other float of a larger storage, starting at element 1 */
    p->state_dict[1] = tdata(f, "conv.bias", PT2C_DTYPE_F32, 1, six, b_stride, 1, f->bias_storage,
                             sizeof f->bias_storage, true);
    p->state_dict[2] =
        tdata(f, "mask", PT2C_DTYPE_BOOL, 1, six, NULL, 0, f->mask, sizeof f->mask, false);
    /* count: storage too short for its 6 elements: values stop at the storage end */
    p->state_dict[3] = tdata(f, "count", PT2C_DTYPE_F32, 1, six, NULL, 0, f->short_storage,
                             sizeof f->short_storage, false);
    p->n_state_dict = 4;
    (void)one;
    p->constants = PT2C_ARENA_ARRAY(A(f), pt2c_tensor_data, 2);
    p->constants[0] =
        tdata(f, "np", PT2C_DTYPE_F16, 1, two, NULL, 0, f->half, sizeof f->half, false);
    p->constants[1] =
        tdata(f, "c", PT2C_DTYPE_BF16, 1, two, NULL, 0, f->bf16, sizeof f->bf16, false);
    p->n_constants = 2;
    p->opaque = PT2C_ARENA_ARRAY(A(f), pt2c_opaque_object, 1);
    p->opaque[0] =
        (pt2c_opaque_object){"attr", "custom_obj_0", f->opaque_bytes, 5, "torchbind object"};
    p->n_opaque = 1;
    return f;
}

static void destroy(fixture *f) {
    pt2c_arena_deinit(&f->prog.arena);
    free(f);
}

typedef pt2c_status (*view_fn)(const pt2c_program *, pt2c_strbuf *, pt2c_error *);

/* Render with fn into a malloc'd string (NULL on failure). */
static char *render(const pt2c_program *p, view_fn fn) {
    pt2c_strbuf sb;
    pt2c_error err;
    pt2c_error_clear(&err);
    pt2c_strbuf_init(&sb, NULL);
    if (fn(p, &sb, &err) != PT2C_OK) {
        fprintf(stderr, "view failed: %s\n", err.msg);
        pt2c_strbuf_deinit(&sb);
        return NULL;
    }
    char *out = NULL;
    size_t len = 0;
    if (pt2c_strbuf_finish(&sb, &out, &len, &err) != PT2C_OK)
        return NULL;
    return out;
}

static char *render_tensors(const pt2c_program *p, pt2c_tensor_set set) {
    pt2c_strbuf sb;
    pt2c_error err;
    pt2c_error_clear(&err);
    pt2c_strbuf_init(&sb, NULL);
    if (pt2c_view_tensors(p, set, &sb, &err) != PT2C_OK) {
        pt2c_strbuf_deinit(&sb);
        return NULL;
    }
    char *out = NULL;
    size_t len = 0;
    if (pt2c_strbuf_finish(&sb, &out, &len, &err) != PT2C_OK)
        return NULL;
    return out;
}

/* ---------------------------------------------------------------------------------------- */
/* Signature                                                                                */

/* Expected strings are repr(str(torch.export.load(f).graph_signature)) from torch 2.13. */
TEST(signature_matches_torch_for_params_buffers_constants_symint_and_constant_io) {
    fixture *f = build();
    char *s = render(&f->prog, pt2c_view_signature);
    EXPECT_STREQ(s,
                 "\n# inputs\np_conv_weight: PARAMETER target='conv.weight'\n"
                 "p_conv_bias: PARAMETER target='conv.bias'\n"
                 "b_mask: BUFFER target='mask' persistent=True\n"
                 "b_count: BUFFER target='count' persistent=True\n"
                 "b_np: BUFFER target='np' persistent=False\n"
                 "c_c: CONSTANT_TENSOR target='c'\nx: USER_INPUT\nn: USER_INPUT\n"
                 "k: USER_INPUT\n\n# outputs\nrelu: USER_OUTPUT\n: USER_OUTPUT\n: USER_OUTPUT\n");
    free(s);
    destroy(f);
}

TEST(signature_matches_torch_for_mutations_and_symint_output) {
    fixture *f = build();
    pt2c_graph_signature *sig = &f->prog.ep.graph_module.signature;
    pt2c_input_spec in[6] = {
        {PT2C_INPUT_PARAMETER, tensor_arg("p_w"), "w", false},
        {PT2C_INPUT_BUFFER, tensor_arg("b_count"), "count", true},
        {PT2C_INPUT_USER_INPUT, tensor_arg("x"), NULL, false},
        {PT2C_INPUT_USER_INPUT, tensor_arg("y"), NULL, false},
        {PT2C_INPUT_CONSTANT_INPUT, {.kind = PT2C_ARG_INT, .i = 5}, "n", false},
        {PT2C_INPUT_CONSTANT_INPUT, {.kind = PT2C_ARG_BOOL, .b = true}, "flag", false},
    };
    pt2c_output_spec out[4] = {
        {PT2C_OUTPUT_BUFFER_MUTATION, tensor_arg("add"), "count"},
        {PT2C_OUTPUT_USER_INPUT_MUTATION, tensor_arg("mul"), "y"},
        {PT2C_OUTPUT_USER_OUTPUT, tensor_arg("add_4"), NULL},
        {PT2C_OUTPUT_USER_OUTPUT, {.kind = PT2C_ARG_SYM_INT, .name = "sym_size_int_1"}, NULL},
    };
    sig->input_specs = in;
    sig->n_input_specs = 6;
    sig->output_specs = out;
    sig->n_output_specs = 4;
    char *s = render(&f->prog, pt2c_view_signature);
    EXPECT_STREQ(s, "\n# inputs\np_w: PARAMETER target='w'\nb_count: BUFFER target='count' "
                    "persistent=True\nx: USER_INPUT\ny: USER_INPUT\nn: USER_INPUT\nflag: "
                    "USER_INPUT\n\n# outputs\nadd: BUFFER_MUTATION target='count'\nmul: "
                    "USER_INPUT_MUTATION target='y'\nadd_4: USER_OUTPUT\nsym_size_int_1: "
                    "USER_OUTPUT\n");
    free(s);
    destroy(f);
}

/* torch builds these kinds only in joint/effectful graphs; the expected text is str() of an
 * ExportGraphSignature built from the same specs in torch 2.13. */
TEST(signature_matches_torch_for_tokens_custom_objs_loss_and_gradients) {
    fixture *f = build();
    pt2c_graph_signature *sig = &f->prog.ep.graph_module.signature;
    pt2c_input_spec in[3] = {
        {PT2C_INPUT_TOKEN, tensor_arg("token"), NULL, false},
        {PT2C_INPUT_CUSTOM_OBJ,
         {.kind = PT2C_ARG_CUSTOM_OBJ, .name = "obj_attr", .str = "__torch__.Foo"},
         "attr",
         false},
        {PT2C_INPUT_USER_INPUT, {.kind = PT2C_ARG_NONE}, NULL, false},
    };
    pt2c_output_spec out[5] = {
        {PT2C_OUTPUT_TOKEN, tensor_arg("getitem_2"), NULL},
        {PT2C_OUTPUT_LOSS_OUTPUT, tensor_arg("loss"), NULL},
        {PT2C_OUTPUT_GRADIENT_TO_PARAMETER, tensor_arg("grad_w"), "w"},
        {PT2C_OUTPUT_GRADIENT_TO_USER_INPUT, tensor_arg("grad_x"), "x"},
        {PT2C_OUTPUT_PARAMETER_MUTATION, tensor_arg("add_1"), "w"},
    };
    sig->input_specs = in;
    sig->n_input_specs = 3;
    sig->output_specs = out;
    sig->n_output_specs = 5;
    char *s = render(&f->prog, pt2c_view_signature);
    EXPECT_STREQ(s, "\n# inputs\ntoken: TOKEN\nobj_attr: CUSTOM_OBJ target='attr'\n: USER_INPUT\n"
                    "\n# outputs\ngetitem_2: TOKEN\nloss: LOSS_OUTPUT\ngrad_w: "
                    "GRADIENT_TO_PARAMETER target='w'\ngrad_x: GRADIENT_TO_USER_INPUT "
                    "target='x'\nadd_1: PARAMETER_MUTATION target='w'\n");
    free(s);

    sig->n_input_specs = 0;
    sig->n_output_specs = 0;
    s = render(&f->prog, pt2c_view_signature);
    EXPECT_STREQ(s, "\n# inputs\n\n\n# outputs\n\n"); /* str(ExportGraphSignature([], [])) */
    free(s);
    destroy(f);
}

/* ---------------------------------------------------------------------------------------- */
/* Range constraints                                                                        */

TEST(ranges_print_torch_dict_then_one_line_per_symbol) {
    fixture *f = build();
    char *s = render(&f->prog, pt2c_view_range_constraints);
    /* first line: str(torch.export.load(m1.pt2).range_constraints) in torch 2.13 */
    EXPECT_STREQ(s, "{s77: VR[2, 64], s53: VR[8, int_oo], s86: VR[0, int_oo]}\n"
                    "s77: VR[2, 64]\ns53: VR[8, int_oo]\ns86: VR[0, int_oo]\n"
                    "# not used by the graph (torch.export.load drops it): s7: VR[-int_oo, 5]\n");
    free(s);
    f->prog.ep.n_range_constraints = 0;
    s = render(&f->prog, pt2c_view_range_constraints);
    EXPECT_STREQ(s, "{}\n");
    free(s);
    destroy(f);
}

/* ---------------------------------------------------------------------------------------- */
/* Tensor tables                                                                            */

TEST(state_dict_table_shows_dtype_shape_bytes_role_and_strided_values) {
    fixture *f = build();
    char *s = render_tensors(&f->prog, PT2C_TENSORS_STATE_DICT);
    EXPECT_CONTAINS(s, "# state_dict: 4 tensors, 1,854 bytes\n");
    EXPECT_CONTAINS(s, "name         dtype          shape         bytes  role    values\n");
    EXPECT_CONTAINS(s, "conv.weight  torch.float32  [6, 3, 5, 5]  1,800  param   "
                       "[-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, ...]\n");
    /* storage_offset 1, stride 2 over 0.25 * i */
    EXPECT_CONTAINS(s, "conv.bias    torch.float32  [6]           24     param   "
                       "[0.25, 0.75, 1.25, 1.75, 2.25, 2.75]\n");
    EXPECT_CONTAINS(s, "mask         torch.bool     [6]           6      buffer  "
                       "[True, False, True, True, False, True]\n");
    EXPECT_CONTAINS(s, "[0.0, 0.0, <outside storage>]\n");
    free(s);
    destroy(f);
}

TEST(constants_table_decodes_half_types_and_lists_opaque_objects) {
    fixture *f = build();
    char *s = render_tensors(&f->prog, PT2C_TENSORS_CONSTANTS);
    EXPECT_CONTAINS(s, "# constants: 2 tensors, 8 bytes; 1 opaque object\n");
    EXPECT_CONTAINS(s, "np    torch.float16   [2]    4      buffer    [1.0, -2.0]\n");
    EXPECT_CONTAINS(s, "c     torch.bfloat16  [2]    4      constant  [1.5, -1.0]\n");
    EXPECT_CONTAINS(s, "attr  opaque          -      5      opaque    (torchbind object)\n");
    free(s);
    s = render_tensors(&f->prog, PT2C_TENSORS_SAMPLE_INPUTS);
    EXPECT_STREQ(s, "# sample_inputs: none stored in the archive\n");
    free(s);
    f->prog.has_sample_inputs = true;
    s = render_tensors(&f->prog, PT2C_TENSORS_SAMPLE_INPUTS);
    EXPECT_STREQ(s, "# sample_inputs: no tensors\n");
    free(s);
    destroy(f);
}

TEST(tensor_values_never_read_past_storage_or_with_bad_strides) {
    fixture *f = build();
    pt2c_tensor_data *bias = &f->prog.state_dict[1];
    bias->storage_offset = 3; /* elements 3, 5, ..., 13: the last is one past the storage */
    char *s = render_tensors(&f->prog, PT2C_TENSORS_STATE_DICT);
    EXPECT_CONTAINS(s, "[0.75, 1.25, 1.75, 2.25, 2.75, <outside storage>]");
    free(s);
    bias->storage_offset = INT64_MAX / 2; /* byte offset overflows */
    s = render_tensors(&f->prog, PT2C_TENSORS_STATE_DICT);
    EXPECT_CONTAINS(s, "param   [<outside storage>]");
    free(s);
    bias->storage_offset = 0;
    bias->sizes[0] = -1;
    s = render_tensors(&f->prog, PT2C_TENSORS_STATE_DICT);
    EXPECT_CONTAINS(s, "[-1]          ?      param   <invalid sizes>");
    free(s);
    destroy(f);
}

TEST(sample_inputs_show_complex_float8_and_integer_values_like_python) {
    fixture *f = build();
    const float c64[4] = {1.0f, 2.0f, 0.0f, -1.5f};
    const uint8_t f8[3] = {0x38, 0xc0, 0x7f}; /* e4m3fn: 1.0, -2.0, NaN */
    const int64_t i64[2] = {INT64_MIN, 7};
    const int32_t i32[1] = {-5};
    int64_t two[1] = {2}, three[1] = {3};
    pt2c_program *p = &f->prog;
    p->sample_inputs = PT2C_ARENA_ARRAY(&p->arena, pt2c_tensor_data, 4);
    p->sample_inputs[0] = tdata(f, "z", PT2C_DTYPE_C64, 1, two, NULL, 0, c64, sizeof c64, false);
    p->sample_inputs[1] = tdata(f, "q", PT2C_DTYPE_F8E4M3FN, 1, three, NULL, 0, f8, 3, false);
    p->sample_inputs[2] = tdata(f, "idx", PT2C_DTYPE_I64, 1, two, NULL, 0, i64, sizeof i64, false);
    p->sample_inputs[3] = tdata(f, "k", PT2C_DTYPE_I32, 0, NULL, NULL, 0, i32, sizeof i32, false);
    p->n_sample_inputs = 4;
    p->has_sample_inputs = true;
    char *s = render_tensors(p, PT2C_TENSORS_SAMPLE_INPUTS);
    EXPECT_CONTAINS(s, "# sample_inputs: 4 tensors, 39 bytes\n");
    EXPECT_CONTAINS(s, "z     torch.complex64      [2]    16     input  [(1+2j), -1.5j]\n");
    EXPECT_CONTAINS(s, "q     torch.float8_e4m3fn  [3]    3      input  [1.0, -2.0, nan]\n");
    EXPECT_CONTAINS(s,
                    "idx   torch.int64          [2]    16     input  [-9223372036854775808, 7]\n");
    EXPECT_CONTAINS(s,
                    "k     torch.int32          []     4      input  -5\n"); /* 0-dim: a scalar */
    free(s);
    destroy(f);
}

/* ---------------------------------------------------------------------------------------- */
/* JSON                                                                                     */

static json_object *get(json_object *o, const char *key) {
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

TEST(json_parses_back_with_exact_counts_and_schema_args) {
    fixture *f = build();
    char *s = render(&f->prog, pt2c_view_json);
    EXPECT_TRUE(s != NULL);
    json_object *root = s ? json_tokener_parse(s) : NULL;
    EXPECT_TRUE(root != NULL);
    json_object *gm = get(root, "graph_module");
    json_object *graph = get(gm, "graph");
    EXPECT_EQ(json_object_get_int64(get(graph, "n_nodes")), 4);
    EXPECT_EQ(json_object_array_length(get(graph, "nodes")), 4);
    EXPECT_STREQ(json_object_get_string(get(root, "layout")), "pt2");
    EXPECT_EQ(json_object_get_int(get(get(root, "schema_version"), "minor")), 20);

    json_object *conv = json_object_array_get_idx(get(graph, "nodes"), 0);
    EXPECT_STREQ(json_object_get_string(get(conv, "target")), "torch.ops.aten.conv2d.default");
    json_object *in0 = json_object_array_get_idx(get(conv, "inputs"), 0);
    EXPECT_STREQ(json_object_get_string(get(get(get(in0, "arg"), "as_tensor"), "name")), "x");
    EXPECT_EQ(json_object_get_int(get(in0, "kind")), 1);
    json_object *alpha = json_object_array_get_idx(get(conv, "inputs"), 4);
    EXPECT_STREQ(json_object_get_string(get(get(alpha, "arg"), "as_float")), "NaN");
    EXPECT_TRUE(get(alpha, "kind") == NULL && json_object_object_get_ex(alpha, "kind", NULL));
    EXPECT_STREQ(json_object_get_string(get(get(conv, "metadata"), "stack_trace")),
                 "File \"m.py\", line 3\n\x01 y = conv(x) \xef\xbf\xbd");

    json_object *x = get(get(graph, "tensor_values"), "x");
    EXPECT_STREQ(json_object_get_string(json_object_array_get_idx(get(x, "sizes"), 0)), "s77");
    EXPECT_EQ(json_object_get_int(json_object_array_get_idx(get(x, "sizes"), 1)), 3);
    EXPECT_STREQ(json_object_get_string(get(x, "dtype")), "f32");
    EXPECT_STREQ(json_object_get_string(get(get(get(graph, "sym_int_values"), "n"), "expr")),
                 "s86");

    json_object *specs = get(get(gm, "signature"), "input_specs");
    EXPECT_EQ(json_object_array_length(specs), 9);
    json_object *b_mask = get(json_object_array_get_idx(specs, 2), "buffer");
    EXPECT_STREQ(json_object_get_string(get(b_mask, "buffer_name")), "mask");
    EXPECT_TRUE(json_object_get_boolean(get(b_mask, "persistent")));
    json_object *k = get(json_object_array_get_idx(specs, 8), "constant_input");
    EXPECT_NEAR(json_object_get_double(get(get(k, "value"), "as_float")), 2.0, 0);
    json_object *outs = get(get(gm, "signature"), "output_specs");
    EXPECT_EQ(json_object_get_int(get(
                  get(get(json_object_array_get_idx(outs, 1), "user_output"), "arg"), "as_int")),
              3);

    json_object *s77 = get(get(root, "range_constraints"), "s53");
    EXPECT_EQ(json_object_get_int(get(s77, "min_val")), 8);
    EXPECT_TRUE(json_object_object_get_ex(s77, "max_val", NULL) && get(s77, "max_val") == NULL);
    json_object *sd = get(root, "state_dict");
    EXPECT_EQ(json_object_array_length(sd), 4);
    json_object *bias = json_object_array_get_idx(sd, 1);
    EXPECT_EQ(json_object_get_int(json_object_array_get_idx(get(bias, "strides"), 0)), 2);
    EXPECT_EQ(json_object_get_int(get(bias, "storage_offset")), 1);
    EXPECT_EQ(json_object_array_length(get(root, "opaque_objects")), 1);
    json_object_put(root);
    free(s);
    destroy(f);
}

TEST(json_keeps_int64_exact_and_nests_subgraphs) {
    fixture *f = build();
    pt2c_graph *sub = PT2C_ARENA_NEW(&f->prog.arena, pt2c_graph);
    sub->nodes = PT2C_ARENA_ARRAY(&f->prog.arena, pt2c_node, 1);
    sub->nodes[0].target = "torch.ops.aten.sin.default";
    sub->nodes[0].name = "sin";
    sub->nodes[0].is_hop_single_tensor_return = 1;
    sub->n_nodes = 1;
    pt2c_node *relu = &f->prog.ep.graph_module.graph.nodes[1];
    relu->inputs[1] = (pt2c_named_arg){
        "true_graph_0", {.kind = PT2C_ARG_GRAPH, .name = "g0", .graph = sub}, PT2C_PASS_POSITIONAL};
    relu->n_inputs = 2;
    f->prog.ep.range_constraints[0].max_val = INT64_MAX;
    f->prog.ep.range_constraints[1].min_val = INT64_MIN;
    f->prog.ep.range_constraints[1].has_min = true;

    char *s = render(&f->prog, pt2c_view_json);
    json_object *root = s ? json_tokener_parse(s) : NULL;
    EXPECT_TRUE(root != NULL);
    json_object *rc = get(root, "range_constraints");
    EXPECT_EQ(json_object_get_int64(get(get(rc, "s77"), "max_val")), INT64_MAX);
    EXPECT_EQ(json_object_get_int64(get(get(rc, "s53"), "min_val")), INT64_MIN);
    json_object *node =
        json_object_array_get_idx(get(get(get(root, "graph_module"), "graph"), "nodes"), 1);
    json_object *g0 =
        get(get(json_object_array_get_idx(get(node, "inputs"), 1), "arg"), "as_graph");
    EXPECT_STREQ(json_object_get_string(get(g0, "name")), "g0");
    json_object *sin = json_object_array_get_idx(get(get(g0, "graph"), "nodes"), 0);
    EXPECT_STREQ(json_object_get_string(get(sin, "target")), "torch.ops.aten.sin.default");
    EXPECT_TRUE(json_object_get_boolean(get(sin, "is_hop_single_tensor_return")));
    json_object_put(root);
    free(s);

    /* A graph that contains itself is cut at the nesting limit with an error. */
    sub->nodes[0].inputs = PT2C_ARENA_ARRAY(&f->prog.arena, pt2c_named_arg, 1);
    sub->nodes[0].inputs[0] = (pt2c_named_arg){
        "g", {.kind = PT2C_ARG_GRAPH, .name = "g0", .graph = sub}, PT2C_PASS_POSITIONAL};
    sub->nodes[0].n_inputs = 1;
    pt2c_strbuf sb;
    pt2c_error err;
    pt2c_error_clear(&err);
    pt2c_strbuf_init(&sb, NULL);
    EXPECT_EQ(pt2c_view_json(&f->prog, &sb, &err), PT2C_ERR_LIMIT);
    EXPECT_CONTAINS(err.msg, "render: json:");
    pt2c_strbuf_deinit(&sb);
    destroy(f);
}

/* ---------------------------------------------------------------------------------------- */
/* Summary                                                                                  */

TEST(summary_lists_versions_io_counts_and_ops_by_count) {
    fixture *f = build();
    char *s = render(&f->prog, pt2c_view_summary);
    EXPECT_CONTAINS(s, "file:           m1.pt2\n");
    EXPECT_CONTAINS(s, "layout:         PT2 archive (model \"model\", root \"m1/\")\n");
    EXPECT_CONTAINS(s, "schema version: 8.20\n");
    EXPECT_CONTAINS(s, "torch version:  2.13.0+cpu\n");
    EXPECT_CONTAINS(s, "dialect:        TRAINING (training IR)\n");
    EXPECT_CONTAINS(s, "nodes:          4\n");
    EXPECT_CONTAINS(s, "inputs:         x: f32[s77, 3, s53, 16]\n"
                       "                n: SymInt\n"
                       "                k = 2.0 (constant)\n");
    EXPECT_CONTAINS(s, "outputs:        relu: f32[s77, 6, s53 - 4, 12]\n"
                       "                3 (constant)\n                None\n");
    EXPECT_CONTAINS(s, "parameters:     2 (1,824 bytes)\n");
    EXPECT_CONTAINS(s, "buffers:        3 (34 bytes)\n");
    EXPECT_CONTAINS(s, "constants:      1 (4 bytes)\n");
    EXPECT_CONTAINS(s, "ops:            2  torch.ops.aten.add.Tensor\n"
                       "                1  torch.ops.aten.conv2d.default\n"
                       "                1  torch.ops.aten.relu.default\n");
    free(s);
    destroy(f);
}

/* ---------------------------------------------------------------------------------------- */
/* Out of memory                                                                            */

typedef struct failing_ctx {
    int budget; /* allocations left before failing */
} failing_ctx;

static void *failing_alloc(void *ctx, size_t size) {
    failing_ctx *c = ctx;
    return c->budget-- > 0 ? malloc(size) : NULL;
}

static void *failing_realloc(void *ctx, void *ptr, size_t old_size, size_t new_size) {
    (void)old_size;
    failing_ctx *c = ctx;
    return c->budget-- > 0 ? realloc(ptr, new_size) : NULL;
}

static void failing_free(void *ctx, void *ptr, size_t size) {
    (void)ctx;
    (void)size;
    free(ptr);
}

/* Every view either succeeds or reports out-of-memory, whichever allocation fails (ASan
 * checks that nothing leaks). */
TEST(views_report_out_of_memory_at_every_allocation) {
    fixture *f = build();
    failing_ctx ctx = {0};
    pt2c_allocator failing = {failing_alloc, failing_realloc, failing_free, &ctx};
    f->prog.allocator = &failing; /* the fixture's arena keeps the default allocator */
    int n_nomem = 0, n_ok = 0;
    for (int view = 0; view < 7; view++) {
        for (int budget = 0; budget < 40; budget++) {
            ctx.budget = budget;
            pt2c_strbuf sb;
            pt2c_error err;
            pt2c_error_clear(&err);
            pt2c_strbuf_init(&sb, &failing);
            pt2c_status st;
            switch (view) {
            case 0:
                st = pt2c_view_signature(&f->prog, &sb, &err);
                break;
            case 1:
                st = pt2c_view_range_constraints(&f->prog, &sb, &err);
                break;
            case 2:
                st = pt2c_view_tensors(&f->prog, PT2C_TENSORS_STATE_DICT, &sb, &err);
                break;
            case 3:
                st = pt2c_view_tensors(&f->prog, PT2C_TENSORS_CONSTANTS, &sb, &err);
                break;
            case 4:
                st = pt2c_view_json(&f->prog, &sb, &err);
                break;
            case 5:
                st = pt2c_view_summary(&f->prog, &sb, &err);
                break;
            default:
                st = pt2c_view_tensors(&f->prog, PT2C_TENSORS_SAMPLE_INPUTS, &sb, &err);
                break;
            }
            char *out = NULL;
            size_t len = 0;
            if (st == PT2C_OK)
                st = pt2c_strbuf_finish(&sb, &out, &len, &err);
            else
                pt2c_strbuf_deinit(&sb);
            EXPECT_TRUE(st == PT2C_OK || st == PT2C_ERR_NOMEM);
            if (st == PT2C_OK) {
                EXPECT_TRUE(out != NULL && strlen(out) == len);
                n_ok++;
            } else {
                EXPECT_EQ(err.code, PT2C_ERR_NOMEM);
                n_nomem++;
            }
            free(out);
        }
    }
    EXPECT_TRUE(n_nomem >= 7); /* budget 0 fails every view */
    EXPECT_TRUE(n_ok > 0);
    destroy(f);
}

TEST_MAIN()
