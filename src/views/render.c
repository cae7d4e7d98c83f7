/* render.c - pt2c_program_render: pick the view, render into a buffer that uses the
 * program's allocator, hand the text to the caller (freed with pt2c_free). */
#include "views/views.h"

pt2c_status pt2c_program_render(const pt2c_program *prog, pt2c_view view, char **out,
                                size_t *out_len, pt2c_error *err) {
    pt2c_error_clear(err);
    PT2C_CHECK(prog && out, err, PT2C_ERR_ARG, "render: program and out are required");
    *out = NULL;
    if (out_len)
        *out_len = 0;

    pt2c_strbuf sb;
    pt2c_strbuf_init(&sb, prog->allocator);
    pt2c_status st;
    switch (view) {
    case PT2C_VIEW_READABLE:
    case PT2C_VIEW_GRAPH:
    case PT2C_VIEW_CODE:
        st = pt2c_view_fx(prog, view, &sb, err);
        break;
    case PT2C_VIEW_SIGNATURE:
        st = pt2c_view_signature(prog, &sb, err);
        break;
    case PT2C_VIEW_STATE_DICT:
        st = pt2c_view_tensors(prog, PT2C_TENSORS_STATE_DICT, &sb, err);
        break;
    case PT2C_VIEW_CONSTANTS:
        st = pt2c_view_tensors(prog, PT2C_TENSORS_CONSTANTS, &sb, err);
        break;
    case PT2C_VIEW_SAMPLE_INPUTS:
        st = pt2c_view_tensors(prog, PT2C_TENSORS_SAMPLE_INPUTS, &sb, err);
        break;
    case PT2C_VIEW_RANGE_CONSTRAINTS:
        st = pt2c_view_range_constraints(prog, &sb, err);
        break;
    case PT2C_VIEW_JSON:
        st = pt2c_view_json(prog, &sb, err);
        break;
    case PT2C_VIEW_SUMMARY:
        st = pt2c_view_summary(prog, &sb, err);
        break;
    case PT2C_VIEW_DOT:
        st = pt2c_view_dot(prog, &sb, err);
        break;
    default:
        st = pt2c_error_set(err, PT2C_ERR_ARG, "render: unknown view %d", (int)view);
        break;
    }
    if (st != PT2C_OK) {
        pt2c_strbuf_deinit(&sb);
        return st;
    }
    size_t len = 0;
    PT2C_TRY(pt2c_strbuf_finish(&sb, out, &len, err));
    if (out_len)
        *out_len = len;
    return PT2C_OK;
}
