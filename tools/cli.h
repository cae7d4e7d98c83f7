/*
 * cli.h - what the verbs of the pt2c tool share. The tool is one file per verb
 * (cmd_show.c, cmd_extract.c, cmd_check.c, cmd_run.c, cmd_bench.c, cmd_opt.c); pt2c.c dispatches
 * and prints the usage text, which it assembles from each verb's own help. Like any other client
 * the tool uses only include/pt2c.h, and it is the only code that prints or exits.
 *
 * A verb, e.g. in cmd_check.c:
 *
 *     static int check_main(int argc, char **argv) {       // argv: what follows the verb
 *         if (argc != 1)
 *             return pt2c_cli_usage_error("check: expected MODEL.pt2");   // exit code 2
 *         pt2c_program *prog;
 *         int rc = pt2c_cli_open_program(argv[0], &prog);   // "pt2c: FILE: ..." and 1
 *         ...
 *     }
 *     const pt2c_cli_verb pt2c_cmd_check = {"check", "check MODEL.pt2", check_help, check_main};
 */
#ifndef PT2C_CLI_H
#define PT2C_CLI_H

#include "pt2c.h"

#include <stdbool.h>
#include <stdint.h>

enum { PT2C_CLI_MAX_INPUTS = 256 };

/* ---------------------------------------------------------------------------------------- */
/* Verbs                                                                                    */

typedef struct pt2c_cli_verb {
    const char *name;                   /* "run" */
    const char *synopsis;               /* "run MODEL.pt2 [options]": follows "usage: pt2c " */
    const char *help;                   /* the verb's lines of `pt2c help`, two-space indented */
    int (*main)(int argc, char **argv); /* argv: the arguments after the verb; exit code */
} pt2c_cli_verb;

extern const pt2c_cli_verb pt2c_cmd_show;
extern const pt2c_cli_verb pt2c_cmd_extract;
extern const pt2c_cli_verb pt2c_cmd_check;
extern const pt2c_cli_verb pt2c_cmd_run;
extern const pt2c_cli_verb pt2c_cmd_bench;
extern const pt2c_cli_verb pt2c_cmd_partition;
extern const pt2c_cli_verb pt2c_cmd_opt;

/* ---------------------------------------------------------------------------------------- */
/* Errors: one line on stderr each                                                          */

/* "pt2c: FILE: message" from a pt2c_error; returns 1 (the exit code). */
int pt2c_cli_fail(const char *file, const pt2c_error *err);
/* "pt2c: msg (run 'pt2c help')"; returns 2, the exit code for bad arguments. */
int pt2c_cli_usage_error(const char *msg);
/* pt2c_program_open with the error printed; returns 0 or the exit code. */
int pt2c_cli_open_program(const char *path, pt2c_program **prog);
/* pt2c_program_optimize with passes ("a,b", "none", NULL: the default pipeline), the error
 * printed; returns 0 or the exit code. */
int pt2c_cli_optimize(const char *path, pt2c_program *prog, const char *passes);
/* mkdir -p for one level: 0 when path is a directory afterwards, else prints and 1. */
int pt2c_cli_make_dir(const char *path);
/* A whole decimal number in [min, max] (0), or 1 when s is not one. */
int pt2c_cli_parse_long(const char *s, long min, long max, long *out);

/* ---------------------------------------------------------------------------------------- */
/* Inputs: .npy files, else the archive's sample inputs, else seeded random tensors        */

typedef enum pt2c_cli_source {
    PT2C_CLI_INPUTS_FILES,   /* -i FILE.npy, in signature order */
    PT2C_CLI_INPUTS_SAMPLES, /* the archive's sample inputs (when there is one per input) */
    PT2C_CLI_INPUTS_RANDOM   /* floats uniform in [-1, 1), ints in [0, 10), bools 0/1 */
} pt2c_cli_source;

/* One set of user inputs; the runner borrows their bytes, so they outlive its runs. */
typedef struct pt2c_cli_inputs {
    pt2c_cli_source source;
    size_t n;                                /* tensors loaded so far */
    pt2c_tensor_info t[PT2C_CLI_MAX_INPUTS]; /* data borrowed from buffer[i] or the program */
    void *buffer[PT2C_CLI_MAX_INPUTS];       /* owned, nullable: the bytes t[i] points to */
    bool malloced[PT2C_CLI_MAX_INPUTS];      /* buffer[i] is from malloc, else from
                                                pt2c_tensor_read_npy */
} pt2c_cli_inputs;

/* Where inputs come from when n_files files are given for a program taking n_in inputs. */
pt2c_cli_source pt2c_cli_input_source(const pt2c_program *prog, size_t n_in, size_t n_files);
/* Load every user input of runner (files[0..n_in) when source is FILES; random ones from
 * seed) and give each to the runner as soon as it is loaded. Returns 0 or the exit code,
 * with the error printed; in holds whatever was loaded either way (pt2c_cli_free_inputs). */
int pt2c_cli_load_inputs(const char *model, const pt2c_program *prog, pt2c_runner *runner,
                         pt2c_cli_source source, const char *const *files, uint64_t seed,
                         pt2c_cli_inputs *in);
/* Give inputs already loaded to another runner of the same program. */
int pt2c_cli_set_inputs(const char *model, pt2c_runner *runner, const pt2c_cli_inputs *in);
void pt2c_cli_free_inputs(pt2c_cli_inputs *in);

/* ---------------------------------------------------------------------------------------- */
/* Outputs and time                                                                         */

/* "output 0: torch.float32 [1, 10] = [0.1, ...]": dtype, sizes and the first six values. */
void pt2c_cli_print_output(size_t index, const pt2c_tensor_info *t);
/* Monotonic wall-clock seconds. */
double pt2c_cli_now(void);

#endif /* PT2C_CLI_H */
