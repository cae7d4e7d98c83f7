/* cmd_opt.c - `pt2c opt IN.pt2 -o OUT.pt2`: open a program and write it back as a .pt2 in
 * the current PT2 archive layout (a legacy file comes out converted). Graph passes will
 * run between the two steps; for now the program is written as read. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char opt_help[] =
    "  opt IN.pt2 -o OUT.pt2      write the program back as a .pt2 that torch.export.load\n"
    "                             reads (current PT2 archive layout; legacy files convert);\n"
    "                             OUT is replaced atomically and may be IN\n";

static int opt_main(int argc, char **argv) {
    const char *in = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
            if (i + 1 >= argc)
                return pt2c_cli_usage_error("opt: -o needs a file");
            out = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            char msg[256];
            snprintf(msg, sizeof msg, "opt: unknown option '%s'", argv[i]);
            return pt2c_cli_usage_error(msg);
        } else if (!in) {
            in = argv[i];
        } else {
            return pt2c_cli_usage_error("opt: expected one IN.pt2");
        }
    }
    if (!in || !out)
        return pt2c_cli_usage_error("opt: expected IN.pt2 -o OUT.pt2");
    pt2c_program *prog = NULL;
    int rc = pt2c_cli_open_program(in, &prog);
    if (rc)
        return rc;
    pt2c_error err;
    pt2c_error_clear(&err);
    if (pt2c_program_save(prog, out, &err) != PT2C_OK)
        rc = pt2c_cli_fail(out, &err);
    pt2c_program_close(prog);
    return rc;
}

const pt2c_cli_verb pt2c_cmd_opt = {"opt", "opt IN.pt2 -o OUT.pt2", opt_help, opt_main};
