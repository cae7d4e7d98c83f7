/* cmd_show.c - `pt2c show [VIEW] MODEL.pt2`: the program as PyTorch prints it. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char show_help[] =
    "  show [VIEW] MODEL.pt2      show the exported program the way PyTorch prints it\n"
    "      (default)              the readable module: ep.graph_module.print_readable()\n"
    "      --graph                the FX graph: print(ep.graph_module.graph)\n"
    "      --code                 the Python code: ep.graph_module.code\n"
    "      --signature            the graph signature: inputs and outputs with their kinds\n"
    "      --state-dict           parameters and buffers: name, dtype, shape, bytes, values\n"
    "      --constants            tensor constants and non-persistent buffers\n"
    "      --sample-inputs        the example inputs stored in the archive\n"
    "      --range-constraints    ranges of the symbolic sizes\n"
    "      --summary              one screen: format, versions, inputs, outputs, ops\n"
    "      --json                 everything, machine readable\n";

typedef struct view_flag {
    const char *flag;
    pt2c_view view;
} view_flag;

static const view_flag view_flags[] = {
    {"--readable", PT2C_VIEW_READABLE},
    {"--graph", PT2C_VIEW_GRAPH},
    {"--code", PT2C_VIEW_CODE},
    {"--signature", PT2C_VIEW_SIGNATURE},
    {"--state-dict", PT2C_VIEW_STATE_DICT},
    {"--constants", PT2C_VIEW_CONSTANTS},
    {"--sample-inputs", PT2C_VIEW_SAMPLE_INPUTS},
    {"--range-constraints", PT2C_VIEW_RANGE_CONSTRAINTS},
    {"--summary", PT2C_VIEW_SUMMARY},
    {"--json", PT2C_VIEW_JSON},
};

static int show_main(int argc, char **argv) {
    pt2c_view view = PT2C_VIEW_READABLE;
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] == '-') {
            size_t k;
            for (k = 0; k < sizeof view_flags / sizeof view_flags[0]; k++)
                if (strcmp(a, view_flags[k].flag) == 0)
                    break;
            if (k == sizeof view_flags / sizeof view_flags[0]) {
                char msg[256];
                snprintf(msg, sizeof msg, "show: unknown option '%s'", a);
                return pt2c_cli_usage_error(msg);
            }
            view = view_flags[k].view;
        } else if (!path) {
            path = a;
        } else {
            return pt2c_cli_usage_error("show: takes one MODEL.pt2");
        }
    }
    if (!path)
        return pt2c_cli_usage_error("show: missing MODEL.pt2");
    pt2c_program *prog = NULL;
    int rc = pt2c_cli_open_program(path, &prog);
    if (rc)
        return rc;
    pt2c_error err;
    pt2c_error_clear(&err);
    char *text = NULL;
    size_t len = 0;
    if (pt2c_program_render(prog, view, &text, &len, &err) != PT2C_OK) {
        rc = pt2c_cli_fail(path, &err);
    } else {
        fwrite(text, 1, len, stdout);
        if (len == 0 || text[len - 1] != '\n')
            fputc('\n', stdout);
        pt2c_free(prog, text);
    }
    pt2c_program_close(prog);
    return rc;
}

const pt2c_cli_verb pt2c_cmd_show = {"show", "show [VIEW] MODEL.pt2", show_help, show_main};
