/* test_export_write.c - IR -> Export IR JSON: the text torch 2.13 writes (floats, int64,
 * ensure_ascii strings, nulls for fields older files lacked), and parse -> write -> parse ->
 * write reaching a fixed point for every argument kind and for real torch exports. */
#include "harness.h"

#include "format/export_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse text, write it; the JSON comes back in *out (malloc'd), NULL on failure. */
static char *round_trip(const char *text) {
    pt2c_arena arena;
    pt2c_arena_init(&arena, pt2c_default_allocator());
    pt2c_error err;
    pt2c_error_clear(&err);
    pt2c_exported_program ep;
    char *out = NULL;
    size_t len = 0;
    pt2c_strbuf sb;
    pt2c_strbuf_init(&sb, pt2c_default_allocator());
    if (pt2c_export_json_parse(text, strlen(text), "in.json", &arena, NULL, &ep, &err) != PT2C_OK ||
        pt2c_export_json_write(&ep, &sb, &err) != PT2C_OK ||
        pt2c_strbuf_finish(&sb, &out, &len, &err) != PT2C_OK)
        HARNESS_FAIL("round trip: %s", err.msg);
    pt2c_strbuf_deinit(&sb);
    pt2c_arena_deinit(&arena);
    return out;
}

/* Written once, the text is a fixed point: writing what was read back gives the same. */
static char *fixed_point(const char *text) {
    char *once = round_trip(text);
    char *twice = once ? round_trip(once) : NULL;
    EXPECT_TRUE(once && twice && strcmp(once, twice) == 0);
    pt2c_dealloc(pt2c_default_allocator(), twice, 0);
    return once;
}

static char *node_program(const char *inputs) {
    static char buf[8192];
    snprintf(buf, sizeof buf,
             "{\"schema_version\":{\"major\":7,\"minor\":4},\"graph_module\":{\"graph\":{"
             "\"inputs\":[],\"outputs\":[],\"nodes\":[{\"target\":\"torch.ops.aten.foo.default\","
             "\"inputs\":%s,\"outputs\":[{\"as_tensor\":{\"name\":\"out\"}}],\"metadata\":"
             "{\"stack_trace\":\"caf\\u00e9 \\ud83d\\ude00 \\u0001\\n\\\"q\\\"\"}}]}}}",
             inputs);
    return fixed_point(buf);
}

static void free_text(char *s) { pt2c_dealloc(pt2c_default_allocator(), s, 0); }

TEST(every_argument_kind_reaches_a_fixed_point) {
    char *s = node_program(
        "[{\"name\":\"a\",\"arg\":{\"as_none\":[]},\"kind\":1},"
        "{\"name\":\"b\",\"arg\":{\"as_tensor\":{\"name\":\"x\"}},\"kind\":2},"
        "{\"name\":\"c\",\"arg\":{\"as_tensors\":[{\"name\":\"x\"},{\"name\":\"y\"}]}},"
        "{\"name\":\"e\",\"arg\":{\"as_ints\":[1,-2,9223372036854775807,-9223372036854775808]}},"
        "{\"name\":\"g\",\"arg\":{\"as_floats\":[1.5,2,1e-05,0.1,Infinity,-Infinity,NaN]}},"
        "{\"name\":\"i\",\"arg\":{\"as_strings\":[\"p\",\"q\"]}},"
        "{\"name\":\"k\",\"arg\":{\"as_sym_ints\":[{\"as_name\":\"s0\"},{\"as_int\":4}]}},"
        "{\"name\":\"l\",\"arg\":{\"as_scalar_type\":7}},"
        "{\"name\":\"o\",\"arg\":{\"as_device\":{\"type\":\"cuda\",\"index\":1}}},"
        "{\"name\":\"q\",\"arg\":{\"as_bools\":[true,false]}},"
        "{\"name\":\"r\",\"arg\":{\"as_sym_bool\":{\"as_bool\":true}}},"
        "{\"name\":\"s\",\"arg\":{\"as_sym_bools\":[{\"as_name\":\"b0\"}]}},"
        "{\"name\":\"t\",\"arg\":{\"as_graph\":{\"name\":\"g0\",\"graph\":{\"inputs\":"
        "[{\"as_tensor\":{\"name\":\"z\"}}],\"outputs\":[{\"as_tensor\":{\"name\":\"z\"}}],"
        "\"nodes\":[],\"tensor_values\":{\"z\":{\"dtype\":7,\"sizes\":[{\"as_expr\":"
        "{\"expr_str\":\"s0\",\"hint\":{\"as_int\":3}}}],\"strides\":[{\"as_int\":1}]}}}}}},"
        "{\"name\":\"u\",\"arg\":{\"as_optional_tensors\":[{\"as_tensor\":{\"name\":\"x\"}},"
        "{\"as_none\":true}]}},"
        "{\"name\":\"v\",\"arg\":{\"as_custom_obj\":{\"name\":\"o\",\"class_fqn\":\"C\"}}},"
        "{\"name\":\"w\",\"arg\":{\"as_operator\":\"aten.add.Tensor\"}},"
        "{\"name\":\"x\",\"arg\":{\"as_sym_float\":{\"as_name\":\"f0\"}}},"
        "{\"name\":\"z\",\"arg\":{\"as_optional_tensor\":{\"as_none\":{}}}},"
        "{\"name\":\"A\",\"arg\":{\"as_complex\":{\"real\":1,\"imag\":-2.5}}},"
        "{\"name\":\"B\",\"arg\":{\"as_nested_tensors\":[[{\"name\":\"x\"}],[]]}},"
        "{\"name\":\"C\",\"arg\":{\"as_int_lists\":[[1],[2,3]]}},"
        "{\"name\":\"D\",\"arg\":{\"as_string_to_argument\":{\"k1\":{\"as_int\":5}}}},"
        "{\"name\":\"E\",\"arg\":{\"as_float_lists\":[[0.25]]}}]");
    /* What torch 2.13 writes: as_none true, Python's float repr, non-finite as strings,
     * exact int64, null for what schema 7.4 did not carry, the current schema version. */
    EXPECT_CONTAINS(s, "{\"name\": \"a\", \"arg\": {\"as_none\": true}, \"kind\": 1}");
    EXPECT_CONTAINS(s, "[1, -2, 9223372036854775807, -9223372036854775808]");
    EXPECT_CONTAINS(s, "[1.5, 2.0, 1e-05, 0.1, \"Infinity\", \"-Infinity\", \"NaN\"]");
    EXPECT_CONTAINS(s, "\"as_sym_ints\": [{\"as_name\": \"s0\"}, {\"as_int\": 4}]");
    /* A literal SymBool is a BOOL in the IR (ir.h), and torch reads both as True. */
    EXPECT_CONTAINS(s, "{\"name\": \"r\", \"arg\": {\"as_bool\": true}");
    EXPECT_CONTAINS(s, "\"as_optional_tensor\": {\"as_none\": true}");
    EXPECT_CONTAINS(s, "{\"as_expr\": {\"expr_str\": \"s0\", \"hint\": {\"as_int\": 3}}}");
    EXPECT_CONTAINS(s, "\"device\": {\"type\": \"cpu\", \"index\": null}");
    EXPECT_CONTAINS(s, "\"kind\": null}");
    EXPECT_CONTAINS(s, "\"is_hop_single_tensor_return\": null, \"name\": null}");
    EXPECT_CONTAINS(s, "\"schema_version\": {\"major\": 8, \"minor\": 20}");
    EXPECT_CONTAINS(s, "\"torch_version\": \"<=2.4\"");
    /* ensure_ascii: BMP as \u00e9, astral as a surrogate pair, controls escaped. */
    EXPECT_CONTAINS(s, "\"caf\\u00e9 \\ud83d\\ude00 \\u0001\\n\\\"q\\\"\"");
    free_text(s);
}

TEST(payload_config_as_torch_writes_it) {
    pt2c_sym sizes[2] = {{.i = 3}, {.i = 4}}, strides[2] = {{.i = 4}, {.i = 1}};
    pt2c_payload_meta m = {.fqn = "l.weight",
                           .path_name = "weight_0",
                           .is_param = true,
                           .has_tensor_meta = true,
                           .tensor_meta = {.dtype = PT2C_DTYPE_F32,
                                           .rank = 2,
                                           .sizes = sizes,
                                           .strides = strides,
                                           .requires_grad = true,
                                           .device = {"cpu", -1},
                                           .layout = 7}};
    pt2c_strbuf sb;
    pt2c_strbuf_init(&sb, pt2c_default_allocator());
    pt2c_error err;
    pt2c_error_clear(&err);
    EXPECT_EQ(pt2c_export_json_write_payload_config(&m, 1, &sb, &err), PT2C_OK);
    /* Byte for byte what torch 2.13 wrote for nn.Linear(4, 3).weight. */
    EXPECT_STREQ(sb.data,
                 "{\"config\": {\"l.weight\": {\"path_name\": \"weight_0\", \"is_param\": true, "
                 "\"use_pickle\": false, \"tensor_meta\": {\"dtype\": 7, \"sizes\": [{\"as_int\": "
                 "3}, {\"as_int\": 4}], \"requires_grad\": true, \"device\": {\"type\": \"cpu\", "
                 "\"index\": null}, \"strides\": [{\"as_int\": 4}, {\"as_int\": 1}], "
                 "\"storage_offset\": {\"as_int\": 0}, \"layout\": 7}}}}");
    pt2c_strbuf_deinit(&sb);
}

TEST(null_required_string_is_an_error) {
    pt2c_node node = {.target = NULL, .name = "n", .is_hop_single_tensor_return = -1};
    pt2c_exported_program ep = {0};
    ep.graph_module.graph.nodes = &node;
    ep.graph_module.graph.n_nodes = 1;
    pt2c_strbuf sb;
    pt2c_strbuf_init(&sb, pt2c_default_allocator());
    pt2c_error err;
    pt2c_error_clear(&err);
    EXPECT_EQ(pt2c_export_json_write(&ep, &sb, &err), PT2C_ERR_ARG);
    EXPECT_CONTAINS(err.msg, "Node.target is NULL");
    pt2c_strbuf_deinit(&sb);
}

TEST(real_torch_exports_reach_a_fixed_point) {
    FILE *f = fopen("tests/unit/data/export_json_cases.txt", "rb");
    if (!f) {
        HARNESS_FAIL("missing tests/unit/data/export_json_cases.txt");
        return;
    }
    static char line[60000];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (strlen(line) < 2)
            continue;
        free_text(fixed_point(line));
        n++;
    }
    fclose(f);
    EXPECT_TRUE(n >= 4);
}

TEST_MAIN()
