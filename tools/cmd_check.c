/* cmd_check.c - `pt2c check MODEL.pt2`: every node without a kernel or whose shapes do not
 * propagate, before anything runs. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char check_help[] =
    "  check MODEL.pt2            list every node whose op has no kernel or whose shapes do\n"
    "                             not propagate; non-zero exit if any\n";

static int check_main(int argc, char **argv) {
    if (argc != 1)
        return pt2c_cli_usage_error("check: expected MODEL.pt2");
    const char *path = argv[0];
    pt2c_program *prog = NULL;
    int rc = pt2c_cli_open_program(path, &prog);
    if (rc)
        return rc;
    pt2c_error err;
    char *report = NULL;
    size_t len = 0, n = 0;
    if (pt2c_program_check(prog, &report, &len, &n, &err) != PT2C_OK) {
        rc = pt2c_cli_fail(path, &err);
    } else if (n) {
        /* One line per problem, each naming the file, node and op. */
        for (char *line = report; line && *line;) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = 0;
            fprintf(stderr, "pt2c: %s: %s\n", path, line);
            line = nl ? nl + 1 : NULL;
        }
        fprintf(stderr, "pt2c: %s: %zu problem%s\n", path, n, n == 1 ? "" : "s");
        rc = 1;
    } else {
        printf("%s: ok, every node has a kernel and shapes propagate\n", path);
    }
    pt2c_free(prog, report);
    pt2c_program_close(prog);
    return rc;
}

const pt2c_cli_verb pt2c_cmd_check = {"check", "check MODEL.pt2", check_help, check_main};
