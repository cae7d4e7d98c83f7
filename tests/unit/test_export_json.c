/* test_export_json.c - Export IR JSON -> IR: every Argument kind, schema 7.x/8.x styles,
 * float/int edge cases and the errors (unknown member, wrong type, version, syntax, depth). */
#include "harness.h"

#include "format/export_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pt2c_arena arena;
static pt2c_error err;
static pt2c_exported_program ep;

static pt2c_status parse_lim(const char *text, const pt2c_limits *lim) {
    pt2c_arena_deinit(&arena);
    pt2c_arena_init(&arena, pt2c_default_allocator());
    pt2c_error_clear(&err);
    return pt2c_export_json_parse(text, strlen(text), "models/model.json", &arena, lim, &ep, &err);
}

static pt2c_status parse(const char *text) { return parse_lim(text, NULL); }

/* A program whose single node has the given inputs and outputs JSON. */
static pt2c_status parse_node(const char *inputs, const char *outputs) {
    static char buf[8192];
    snprintf(buf, sizeof buf,
             "{\"schema_version\":{\"major\":8,\"minor\":20},\"graph_module\":{\"graph\":{"
             "\"inputs\":[],\"outputs\":[],\"nodes\":[{\"target\":\"torch.ops.aten.foo.default\","
             "\"inputs\":%s,\"outputs\":%s,\"metadata\":{}}]}}}",
             inputs, outputs);
    return parse(buf);
}

static const pt2c_arg *in_arg(int i) { return &ep.graph_module.graph.nodes[0].inputs[i].arg; }

TEST(names_from_xmacros) {
    EXPECT_STREQ(pt2c_arg_kind_key(PT2C_ARG_TENSOR), "as_tensor");
    EXPECT_STREQ(pt2c_arg_kind_key(PT2C_ARG_FLOAT_LISTS), "as_float_lists");
    EXPECT_STREQ(pt2c_input_spec_key(PT2C_INPUT_TENSOR_CONSTANT), "tensor_constant");
    EXPECT_STREQ(pt2c_input_spec_py(PT2C_INPUT_TENSOR_CONSTANT), "CONSTANT_TENSOR");
    EXPECT_STREQ(pt2c_output_spec_key(PT2C_OUTPUT_USER_INPUT_MUTATION), "user_input_mutation");
    EXPECT_STREQ(pt2c_output_spec_py(PT2C_OUTPUT_LOSS_OUTPUT), "LOSS_OUTPUT");
}

TEST(every_argument_kind) {
    const char *in =
        "[{\"name\":\"a\",\"arg\":{\"as_none\":true},\"kind\":1},"
        "{\"name\":\"b\",\"arg\":{\"as_tensor\":{\"name\":\"x\"}},\"kind\":2},"
        "{\"name\":\"c\",\"arg\":{\"as_tensors\":[{\"name\":\"x\"},{\"name\":\"y\"}]}},"
        "{\"name\":\"d\",\"arg\":{\"as_int\":-3}},"
        "{\"name\":\"e\",\"arg\":{\"as_ints\":[1,2,3]}},"
        "{\"name\":\"f\",\"arg\":{\"as_float\":0.5}},"
        "{\"name\":\"g\",\"arg\":{\"as_floats\":[1.5,2]}},"
        "{\"name\":\"h\",\"arg\":{\"as_string\":\"hi\"}},"
        "{\"name\":\"i\",\"arg\":{\"as_strings\":[\"p\",\"q\"]}},"
        "{\"name\":\"j\",\"arg\":{\"as_sym_int\":{\"as_name\":\"s0\"}}},"
        "{\"name\":\"k\",\"arg\":{\"as_sym_ints\":[{\"as_name\":\"s0\"},{\"as_int\":4}]}},"
        "{\"name\":\"l\",\"arg\":{\"as_scalar_type\":7}},"
        "{\"name\":\"m\",\"arg\":{\"as_memory_format\":2}},"
        "{\"name\":\"n\",\"arg\":{\"as_layout\":7}},"
        "{\"name\":\"o\",\"arg\":{\"as_device\":{\"type\":\"cuda\",\"index\":1}}},"
        "{\"name\":\"p\",\"arg\":{\"as_bool\":true}},"
        "{\"name\":\"q\",\"arg\":{\"as_bools\":[true,false]}},"
        "{\"name\":\"r\",\"arg\":{\"as_sym_bool\":{\"as_bool\":true}}},"
        "{\"name\":\"s\",\"arg\":{\"as_sym_bools\":[{\"as_name\":\"b0\"}]}},"
        "{\"name\":\"t\",\"arg\":{\"as_graph\":{\"name\":\"g0\",\"graph\":{\"inputs\":"
        "[{\"as_tensor\":{\"name\":\"z\"}}],\"outputs\":[{\"as_tensor\":{\"name\":\"z\"}}],"
        "\"nodes\":[],\"tensor_values\":{\"z\":{\"dtype\":7,\"sizes\":[],\"strides\":[]}}}}}},"
        "{\"name\":\"u\",\"arg\":{\"as_optional_tensors\":[{\"as_tensor\":{\"name\":\"x\"}},"
        "{\"as_none\":true}]}},"
        "{\"name\":\"v\",\"arg\":{\"as_custom_obj\":{\"name\":\"o\",\"class_fqn\":\"C\"}}},"
        "{\"name\":\"w\",\"arg\":{\"as_operator\":\"aten.add.Tensor\"}},"
        "{\"name\":\"x\",\"arg\":{\"as_sym_float\":{\"as_float\":2.5}}},"
        "{\"name\":\"y\",\"arg\":{\"as_sym_floats\":[{\"as_name\":\"f0\"}]}},"
        "{\"name\":\"z\",\"arg\":{\"as_optional_tensor\":{\"as_none\":{}}}},"
        "{\"name\":\"A\",\"arg\":{\"as_complex\":{\"real\":1,\"imag\":-2.5}}},"
        "{\"name\":\"B\",\"arg\":{\"as_nested_tensors\":[[{\"name\":\"x\"}],[]]}},"
        "{\"name\":\"C\",\"arg\":{\"as_int_lists\":[[1],[2,3]]}},"
        "{\"name\":\"D\",\"arg\":{\"as_string_to_argument\":{\"k1\":{\"as_int\":5}}}},"
        "{\"name\":\"E\",\"arg\":{\"as_float_lists\":[[0.25]]}}]";
    EXPECT_EQ(parse_node(in, "[{\"as_tensor\":{\"name\":\"out\"}}]"), PT2C_OK);
    if (err.code)
        fprintf(stderr, "%s\n", err.msg);
    const pt2c_node *nd = &ep.graph_module.graph.nodes[0];
    EXPECT_EQ(nd->n_inputs, 31);
    /* literal SymBool / SymFloat become BOOL / FLOAT, as ir.h says */
    for (int k = 0; k < 31; k++)
        if (k != PT2C_ARG_SYM_BOOL && k != PT2C_ARG_SYM_FLOAT)
            EXPECT_EQ(in_arg(k)->kind, k);
    EXPECT_EQ(nd->inputs[0].kind, PT2C_PASS_POSITIONAL);
    EXPECT_EQ(nd->inputs[1].kind, PT2C_PASS_KEYWORD);
    EXPECT_EQ(nd->inputs[2].kind, PT2C_PASS_UNSPECIFIED);
    EXPECT_STREQ(in_arg(1)->name, "x");
    EXPECT_STREQ(in_arg(2)->items[1].name, "y");
    EXPECT_EQ(in_arg(3)->i, -3);
    EXPECT_EQ(in_arg(4)->items[2].i, 3);
    EXPECT_NEAR(in_arg(6)->items[1].f, 2.0, 0);
    EXPECT_STREQ(in_arg(8)->items[1].str, "q");
    EXPECT_STREQ(in_arg(9)->name, "s0");
    EXPECT_EQ(in_arg(10)->items[0].kind, PT2C_ARG_SYM_INT);
    EXPECT_EQ(in_arg(10)->items[1].kind, PT2C_ARG_INT);
    EXPECT_EQ(in_arg(10)->items[1].i, 4);
    EXPECT_EQ(in_arg(11)->i, 7);
    EXPECT_STREQ(in_arg(14)->device.type, "cuda");
    EXPECT_EQ(in_arg(14)->device.index, 1);
    EXPECT_EQ(in_arg(16)->items[1].b, 0);
    EXPECT_EQ(in_arg(17)->kind, PT2C_ARG_BOOL);
    EXPECT_STREQ(in_arg(19)->name, "g0");
    EXPECT_EQ(in_arg(19)->graph->n_inputs, 1);
    EXPECT_EQ(in_arg(19)->graph->n_tensor_values, 1);
    EXPECT_EQ(in_arg(20)->items[0].kind, PT2C_ARG_TENSOR);
    EXPECT_EQ(in_arg(20)->items[1].kind, PT2C_ARG_NONE);
    EXPECT_STREQ(in_arg(21)->str, "C");
    EXPECT_STREQ(in_arg(22)->str, "aten.add.Tensor");
    EXPECT_EQ(in_arg(23)->kind, PT2C_ARG_FLOAT);
    EXPECT_TRUE(in_arg(25)->name == NULL);
    EXPECT_NEAR(in_arg(26)->f_imag, -2.5, 0);
    EXPECT_EQ(in_arg(27)->items[0].kind, PT2C_ARG_TENSORS);
    EXPECT_EQ(in_arg(27)->items[1].n_items, 0);
    EXPECT_EQ(in_arg(28)->items[1].items[1].i, 3);
    EXPECT_STREQ(in_arg(29)->items[0].key, "k1");
    EXPECT_EQ(in_arg(29)->items[0].i, 5);
    EXPECT_NEAR(in_arg(30)->items[0].items[0].f, 0.25, 0);
    EXPECT_STREQ(nd->name, "out");
    EXPECT_EQ(nd->has_name, 0);
}

TEST(floats_infinity_nan_forms) {
    EXPECT_EQ(parse_node("[{\"name\":\"a\",\"arg\":{\"as_floats\":[Infinity,-Infinity,NaN,"
                         "\"Infinity\",\"-Infinity\",\"NaN\",3]}}]",
                         "[]"),
              PT2C_OK);
    const pt2c_arg *a = in_arg(0);
    EXPECT_EQ(a->n_items, 7);
    EXPECT_TRUE(isinf(a->items[0].f) && a->items[0].f > 0);
    EXPECT_TRUE(isinf(a->items[1].f) && a->items[1].f < 0);
    EXPECT_TRUE(isnan(a->items[2].f));
    EXPECT_TRUE(isinf(a->items[3].f) && a->items[3].f > 0);
    EXPECT_TRUE(isinf(a->items[4].f) && a->items[4].f < 0);
    EXPECT_TRUE(isnan(a->items[5].f));
    EXPECT_NEAR(a->items[6].f, 3.0, 0);
    EXPECT_EQ(parse_node("[{\"name\":\"a\",\"arg\":{\"as_float\":\"inf\"}}]", "[]"),
              PT2C_ERR_SCHEMA);
}

TEST(int64_extremes) {
    EXPECT_EQ(parse_node("[{\"name\":\"a\",\"arg\":{\"as_ints\":[9223372036854775807,"
                         "-9223372036854775808]}}]",
                         "[]"),
              PT2C_OK);
    EXPECT_TRUE(in_arg(0)->items[0].i == INT64_MAX);
    EXPECT_TRUE(in_arg(0)->items[1].i == INT64_MIN);
    EXPECT_EQ(parse_node("[{\"name\":\"a\",\"arg\":{\"as_int\":9223372036854775808}}]", "[]"),
              PT2C_ERR_SCHEMA);
    EXPECT_CONTAINS(err.msg, "int64");
}

TEST(as_none_any_value_and_null_arg) {
    EXPECT_EQ(parse_node("[{\"name\":\"a\",\"arg\":{\"as_none\":[]}},"
                         "{\"name\":\"b\",\"arg\":{\"as_none\":null}},"
                         "{\"name\":\"c\",\"arg\":{\"as_none\":{}}}]",
                         "[]"),
              PT2C_OK);
    EXPECT_EQ(in_arg(0)->kind, PT2C_ARG_NONE);
    EXPECT_EQ(in_arg(1)->kind, PT2C_ARG_NONE);
    EXPECT_EQ(in_arg(2)->kind, PT2C_ARG_NONE);
}

TEST(missing_equals_null) {
    EXPECT_EQ(parse("{\"schema_version\":{\"major\":8,\"minor\":20},\"graph_module\":{"
                    "\"graph\":{\"tensor_values\":{\"t\":{\"dtype\":7,\"sizes\":[{\"as_int\":2}],"
                    "\"strides\":[{\"as_int\":1}],\"device\":null,\"layout\":null}}},"
                    "\"signature\":null,\"module_call_graph\":null},\"range_constraints\":{"
                    "\"s0\":{\"min_val\":2,\"max_val\":null}},\"verifiers\":null}"),
              PT2C_OK);
    EXPECT_STREQ(ep.torch_version, "<=2.4");
    const pt2c_graph *g = &ep.graph_module.graph;
    EXPECT_EQ(g->n_tensor_values, 1);
    EXPECT_STREQ(g->tensor_values[0].meta.device.type, "cpu");
    EXPECT_EQ(g->tensor_values[0].meta.layout, 7);
    EXPECT_EQ(g->tensor_values[0].meta.rank, 1);
    EXPECT_EQ(g->tensor_values[0].meta.sizes[0].i, 2);
    int64_t idx = -1;
    EXPECT_TRUE(pt2c_strmap_get(&g->tensor_index, "t", &idx));
    EXPECT_EQ(idx, 0);
    EXPECT_EQ(ep.n_range_constraints, 1);
    EXPECT_EQ(ep.range_constraints[0].has_min, 1);
    EXPECT_EQ(ep.range_constraints[0].min_val, 2);
    EXPECT_EQ(ep.range_constraints[0].has_max, 0);
    EXPECT_EQ(ep.n_verifiers, 0);
}

/* Schema 7.4: no NamedArgument.kind, no Node.name; multi-output op names come from FX. */
TEST(schema_7_4_derived_names) {
    EXPECT_EQ(
        parse("{\"schema_version\":{\"major\":7,\"minor\":4},\"graph_module\":{\"graph\":{"
              "\"inputs\":[{\"as_tensor\":{\"name\":\"x\"}}],"
              "\"outputs\":[{\"as_tensor\":{\"name\":\"getitem\"}}],\"nodes\":["
              "{\"target\":\"torch.ops.aten.relu.default\",\"inputs\":[{\"name\":\"self\","
              "\"arg\":{\"as_tensor\":{\"name\":\"x\"}}}],\"outputs\":[{\"as_tensor\":{\"name\":"
              "\"relu\"}}]},"
              "{\"target\":\"torch.ops.aten.split.Tensor\",\"inputs\":[],\"outputs\":[{"
              "\"as_tensors\":[{\"name\":\"getitem\"},{\"name\":\"getitem_1\"}]}]},"
              "{\"target\":\"torch.ops.aten.split.Tensor\",\"inputs\":[],\"outputs\":[{"
              "\"as_tensors\":[{\"name\":\"getitem_2\"}]}]},"
              "{\"target\":\"torch.ops.aten.max_pool2d_with_indices.default\",\"inputs\":[],"
              "\"outputs\":[{\"as_tensor\":{\"name\":\"a\"}},{\"as_tensor\":{\"name\":\"b\"}}]}"
              "]}}}"),
        PT2C_OK);
    const pt2c_graph *g = &ep.graph_module.graph;
    EXPECT_EQ(ep.schema_major, 7);
    EXPECT_STREQ(g->nodes[0].name, "relu");
    EXPECT_STREQ(g->nodes[1].name, "split_tensor");
    EXPECT_STREQ(g->nodes[2].name, "split_tensor_1");
    EXPECT_STREQ(g->nodes[3].name, "max_pool2d_with_indices_default");
    EXPECT_EQ(g->nodes[0].inputs[0].kind, PT2C_PASS_UNSPECIFIED);
}

TEST(schema_8_20_names_kept) {
    EXPECT_EQ(parse("{\"schema_version\":{\"major\":8,\"minor\":20},\"torch_version\":\"2.13\","
                    "\"graph_module\":{\"graph\":{\"nodes\":[{\"target\":\"t.x\",\"name\":"
                    "\"my_node\",\"outputs\":[{\"as_tensor\":{\"name\":\"o\"}}],\"metadata\":"
                    "{\"stack_trace\":\"s\",\"nn_module_stack\":\"m\"},"
                    "\"is_hop_single_tensor_return\":false}]},\"signature\":{\"input_specs\":[{"
                    "\"parameter\":{\"arg\":{\"name\":\"p_w\"},\"parameter_name\":\"w\"}},{"
                    "\"buffer\":{\"arg\":{\"name\":\"b_b\"},\"buffer_name\":\"b\",\"persistent\":"
                    "true}},{\"constant_input\":{\"name\":\"c\",\"value\":{\"as_int\":3}}}],"
                    "\"output_specs\":[{\"buffer_mutation\":{\"arg\":{\"name\":\"o\"},"
                    "\"buffer_name\":\"b\"}},{\"user_output\":{\"arg\":{\"as_none\":true}}}]},"
                    "\"module_call_graph\":[{\"fqn\":\"\",\"signature\":{\"in_spec\":\"[1]\","
                    "\"forward_arg_names\":[\"x\"]}}],\"metadata\":{\"k\":\"v\"},"
                    "\"treespec_namedtuple_fields\":{\"T\":{\"field_names\":[\"a\",\"b\"]}}},"
                    "\"opset_version\":{\"aten\":10},\"verifiers\":[\"ATEN\"],"
                    "\"guards_code\":[\"g\"]}"),
              PT2C_OK);
    if (err.code)
        fprintf(stderr, "%s\n", err.msg);
    const pt2c_graph_module *gm = &ep.graph_module;
    EXPECT_STREQ(gm->graph.nodes[0].name, "my_node");
    EXPECT_EQ(gm->graph.nodes[0].has_name, 1);
    EXPECT_EQ(gm->graph.nodes[0].is_hop_single_tensor_return, 0);
    EXPECT_EQ(gm->graph.nodes[0].n_metadata, 2);
    EXPECT_STREQ(gm->graph.nodes[0].metadata[1].key, "nn_module_stack");
    EXPECT_EQ(gm->signature.n_input_specs, 3);
    EXPECT_EQ(gm->signature.input_specs[0].kind, PT2C_INPUT_PARAMETER);
    EXPECT_STREQ(gm->signature.input_specs[0].target, "w");
    EXPECT_STREQ(gm->signature.input_specs[0].arg.name, "p_w");
    EXPECT_EQ(gm->signature.input_specs[1].persistent, 1);
    EXPECT_EQ(gm->signature.input_specs[2].arg.kind, PT2C_ARG_INT);
    EXPECT_EQ(gm->signature.input_specs[2].arg.i, 3);
    EXPECT_EQ(gm->signature.output_specs[0].kind, PT2C_OUTPUT_BUFFER_MUTATION);
    EXPECT_STREQ(gm->signature.output_specs[0].target, "b");
    EXPECT_EQ(gm->signature.output_specs[1].arg.kind, PT2C_ARG_NONE);
    EXPECT_EQ(gm->n_module_call_graph, 1);
    EXPECT_STREQ(gm->module_call_graph[0].signature->in_spec, "[1]");
    EXPECT_EQ(gm->module_call_graph[0].signature->n_forward_arg_names, 1);
    EXPECT_STREQ(gm->metadata[0].value, "v");
    EXPECT_EQ(gm->treespec_namedtuple_fields[0].n_field_names, 2);
    EXPECT_EQ(ep.opset_version[0].version, 10);
    EXPECT_STREQ(ep.verifiers[0], "ATEN");
    EXPECT_STREQ(ep.guards_code[0], "g");
    EXPECT_STREQ(ep.torch_version, "2.13");
}

TEST(unknown_union_member_names_path) {
    EXPECT_EQ(parse_node("[{\"name\":\"a\",\"arg\":{\"as_int\":1}},"
                         "{\"name\":\"b\",\"arg\":{\"as_foo\":1}}]",
                         "[]"),
              PT2C_ERR_SCHEMA);
    EXPECT_STREQ(err.msg, "json: models/model.json: graph_module.graph.nodes[0].inputs[1].arg: "
                          "unknown Argument member 'as_foo'");
}

TEST(union_needs_one_key) {
    EXPECT_EQ(parse_node("[{\"name\":\"a\",\"arg\":{\"as_int\":1,\"as_bool\":true}}]", "[]"),
              PT2C_ERR_SCHEMA);
    EXPECT_CONTAINS(err.msg, "exactly one");
}

TEST(wrong_type_names_expected) {
    EXPECT_EQ(parse_node("[{\"name\":\"a\",\"arg\":{\"as_int\":\"3\"}}]", "[]"), PT2C_ERR_SCHEMA);
    EXPECT_CONTAINS(err.msg, "nodes[0].inputs[0].arg.as_int: expected int, found string");
    EXPECT_EQ(parse_node("[{\"name\":\"a\",\"arg\":{\"as_scalar_type\":99}}]", "[]"),
              PT2C_ERR_SCHEMA);
}

TEST(unknown_major_rejected) {
    EXPECT_EQ(parse("{\"schema_version\":{\"major\":10,\"minor\":0}}"), PT2C_ERR_UNSUPPORTED);
    EXPECT_CONTAINS(err.msg, "10.0");
    EXPECT_EQ(parse("{\"schema_version\":{\"major\":9,\"minor\":1},\"graph_module\":{}}"), PT2C_OK);
}

TEST(malformed_json_byte_offset) {
    EXPECT_EQ(parse("{\"schema_version\": {\"major\": 8,, }}"), PT2C_ERR_JSON);
    EXPECT_CONTAINS(err.msg, "models/model.json at byte 31");
    EXPECT_EQ(parse("{\"a\":1} x"), PT2C_ERR_JSON);
    EXPECT_CONTAINS(err.msg, "byte 8");
    EXPECT_EQ(parse("{\"a\":"), PT2C_ERR_JSON);
}

TEST(depth_limit) {
    char buf[400];
    memset(buf, '[', 300);
    buf[300] = 0;
    pt2c_limits lim;
    memset(&lim, 0, sizeof lim);
    lim.max_json_depth = 32;
    EXPECT_EQ(parse_lim(buf, &lim), PT2C_ERR_LIMIT);
    EXPECT_CONTAINS(err.msg, "max_json_depth");
}

TEST(node_and_rank_limits) {
    pt2c_limits lim;
    memset(&lim, 0, sizeof lim);
    lim.max_nodes = 1;
    EXPECT_EQ(parse_lim("{\"schema_version\":{\"major\":8},\"graph_module\":{\"graph\":{"
                        "\"nodes\":[{},{}]}}}",
                        &lim),
              PT2C_ERR_LIMIT);
    lim.max_nodes = 0;
    lim.max_rank = 1;
    EXPECT_EQ(parse_lim("{\"schema_version\":{\"major\":8},\"graph_module\":{\"graph\":{"
                        "\"tensor_values\":{\"t\":{\"sizes\":[{\"as_int\":1},{\"as_int\":1}]}}}}}",
                        &lim),
              PT2C_ERR_LIMIT);
}

TEST(payload_config_in_file_order) {
    const char *t = "{\"config\":{\"w\":{\"path_name\":\"weight_0\",\"is_param\":true,"
                    "\"use_pickle\":false,\"tensor_meta\":{\"dtype\":7,\"sizes\":[{\"as_int\":3}],"
                    "\"strides\":[{\"as_int\":1}]}},\"a\":{\"path_name\":\"weight_1\"}}}";
    pt2c_payload_meta *m = NULL;
    int64_t n = 0;
    pt2c_arena_deinit(&arena);
    pt2c_arena_init(&arena, pt2c_default_allocator());
    pt2c_error_clear(&err);
    EXPECT_EQ(
        pt2c_export_json_parse_payload_config(t, strlen(t), "cfg", &arena, NULL, &m, &n, &err),
        PT2C_OK);
    EXPECT_EQ(n, 2);
    if (n == 2) {
        EXPECT_STREQ(m[0].fqn, "w");
        EXPECT_EQ(m[0].is_param, 1);
        EXPECT_EQ(m[0].has_tensor_meta, 1);
        EXPECT_EQ(m[0].tensor_meta.sizes[0].i, 3);
        EXPECT_STREQ(m[1].path_name, "weight_1");
        EXPECT_EQ(m[1].has_tensor_meta, 0);
    }
}

/* Real programs exported by torch 2.13 (tests/unit/gen_export_json_cases.py). */
TEST(real_torch_exports_parse) {
    FILE *f = fopen("tests/unit/data/export_json_cases.txt", "rb");
    if (!f) {
        HARNESS_FAIL("missing tests/unit/data/export_json_cases.txt");
        return;
    }
    static char line[60000];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        if (len < 2)
            continue;
        if (parse(line) != PT2C_OK)
            HARNESS_FAIL("case %d: %s", n, err.msg);
        else
            EXPECT_TRUE(ep.graph_module.graph.n_nodes > 0);
        n++;
    }
    fclose(f);
    EXPECT_TRUE(n >= 4);
}

TEST_MAIN()
