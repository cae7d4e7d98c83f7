/*
 * pt2c.c - the command-line tool: dispatch to one verb per file and the usage text. It uses
 * only the public API in include/pt2c.h, like any other client, and the tool (tools/) is
 * the only place that prints or exits.
 *
 *   pt2c show [VIEW] MODEL.pt2     the program as PyTorch shows it          (cmd_show.c)
 *   pt2c extract MODEL.pt2 DIR     every weight, constant and sample input  (cmd_extract.c)
 *   pt2c check MODEL.pt2           every node without a kernel or whose shapes fail
 *                                                                           (cmd_check.c)
 *   pt2c run MODEL.pt2 [-i X.npy]  run on the CPU, write output_<i>.npy     (cmd_run.c)
 *   pt2c bench MODEL.pt2           load, plan and run times, per-op profile (cmd_bench.c)
 *   pt2c opt IN.pt2 -o OUT.pt2     graph passes, then write a .pt2          (cmd_opt.c)
 *   pt2c partition MODEL.pt2       which backend runs which nodes, and why  (cmd_partition.c)
 *
 * `pt2c VERB --help` and `pt2c help VERB` print one verb's part of the usage text.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char help_help[] =
    "  help [COMMAND]             this text, or one command's (also: pt2c COMMAND --help)\n";
static const char version_help[] = "  version                    the pt2c version\n";

static int help_main(int argc, char **argv);

static int version_main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    printf("pt2c %s\n", pt2c_version());
    return 0;
}

static const pt2c_cli_verb help_verb = {"help", "help [COMMAND]", help_help, help_main};
static const pt2c_cli_verb version_verb = {"version", "version", version_help, version_main};

/* Every verb, in the order the usage text lists them. */
static const pt2c_cli_verb *const verbs[] = {
    &pt2c_cmd_show, &pt2c_cmd_extract,   &pt2c_cmd_check, &pt2c_cmd_run, &pt2c_cmd_bench,
    &pt2c_cmd_opt,  &pt2c_cmd_partition, &help_verb,      &version_verb,
};
enum { N_VERBS = sizeof verbs / sizeof verbs[0] };

static const pt2c_cli_verb *find_verb(const char *name) {
    for (size_t k = 0; k < N_VERBS; k++)
        if (strcmp(verbs[k]->name, name) == 0)
            return verbs[k];
    return NULL;
}

static void print_usage(void) {
    fputs("usage: pt2c <command> [options]\n\ncommands:\n", stdout);
    for (size_t k = 0; k < N_VERBS; k++)
        fputs(verbs[k]->help, stdout);
}

static void print_verb_usage(const pt2c_cli_verb *v) {
    printf("usage: pt2c %s\n\n%s", v->synopsis, v->help);
}

static int help_main(int argc, char **argv) {
    if (argc == 0) {
        print_usage();
        return 0;
    }
    const pt2c_cli_verb *v = argc == 1 ? find_verb(argv[0]) : NULL;
    if (!v) {
        char msg[256];
        snprintf(msg, sizeof msg, "help: unknown command '%s'", argv[0]);
        return pt2c_cli_usage_error(argc == 1 ? msg : "help: takes one COMMAND");
    }
    print_verb_usage(v);
    return 0;
}

/* --help anywhere after the verb asks for the verb's usage instead of running it. */
static int wants_help(int argc, char **argv) {
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return pt2c_cli_usage_error("missing command");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        cmd = "help";
    else if (strcmp(cmd, "--version") == 0)
        cmd = "version";
    const pt2c_cli_verb *v = find_verb(cmd);
    if (!v) {
        char msg[256];
        snprintf(msg, sizeof msg, "unknown command '%s'", cmd);
        return pt2c_cli_usage_error(msg);
    }
    if (wants_help(argc - 2, argv + 2)) {
        print_verb_usage(v);
        return 0;
    }
    return v->main(argc - 2, argv + 2);
}
