/* cmd_show.c - `pt2c show [VIEW] MODEL.pt2`: the program as PyTorch prints it. */
#include "cli.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    "      --json                 everything, machine readable\n"
    "      --dot                  the graph for Graphviz: op, dtype and shape per node; ops\n"
    "                             without a pt2c kernel in red\n"
    "      --svg                  the same drawn as SVG by Graphviz's dot (Debian: graphviz)\n";

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
    {"--dot", PT2C_VIEW_DOT},
    {"--svg", PT2C_VIEW_DOT}, /* piped through `dot -Tsvg` */
};

/* Whether an executable `name` is on PATH. */
static bool on_path(const char *name) {
    const char *path = getenv("PATH");
    while (path && *path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        char file[4096];
        if (n > 0 &&
            snprintf(file, sizeof file, "%.*s/%s", (int)n, path, name) < (int)sizeof file &&
            access(file, X_OK) == 0)
            return true;
        path = end ? end + 1 : NULL;
    }
    return false;
}

/* The DOT text drawn by Graphviz onto stdout. */
static int write_svg(const char *path, const char *dot, size_t len) {
    if (!on_path("dot")) {
        fprintf(stderr,
                "pt2c: %s: show --svg needs Graphviz's dot, which is not installed (Debian: "
                "apt-get install graphviz); show --dot writes the DOT text\n",
                path);
        return 1;
    }
    fflush(stdout);
    FILE *p = popen("dot -Tsvg", "w");
    if (!p) {
        fprintf(stderr, "pt2c: %s: show --svg: cannot start dot\n", path);
        return 1;
    }
    size_t wrote = fwrite(dot, 1, len, p);
    int status = pclose(p);
    if (wrote != len || status != 0) {
        fprintf(stderr, "pt2c: %s: show --svg: dot failed (exit status %d)\n", path, status);
        return 1;
    }
    return 0;
}

static int show_main(int argc, char **argv) {
    pt2c_view view = PT2C_VIEW_READABLE;
    bool svg = false;
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
            svg = strcmp(a, "--svg") == 0;
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
    } else if (svg) {
        rc = write_svg(path, text, len);
        pt2c_free(prog, text);
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
