/* cmd_opt.c - `pt2c opt IN.pt2 -o OUT.pt2 [--passes a,b] [--print-after P]`: run graph
 * passes on a program, report what each changed, and write it back as a .pt2 in the current
 * PT2 archive layout (a legacy file comes out converted). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char opt_help[] =
    "  opt IN.pt2 -o OUT.pt2      run graph passes and write the program back as a .pt2\n"
    "                             that torch.export.load reads (current PT2 archive layout;\n"
    "                             legacy files convert); OUT is replaced atomically and may\n"
    "                             be IN\n"
    "      --passes LIST          passes to run, in order, comma-separated (default: every\n"
    "                             pass below but decompose, in this order; 'none': write\n"
    "                             as read)\n"
    "      --print-after P        print the graph's code after pass P ('all': after each)\n"
    "      --quiet                no per-pass report\n"
    "    passes (src/passes/):\n"
    "      functionalize          in-place writes into intermediates and their views ->\n"
    "                             functional ops and *_scatter\n"
    "      decompose              training IR -> Core ATen: the ops run_decompositions()\n"
    "                             gives (only when named; the program becomes ATEN)\n"
    "      cse                    a pure node repeating an earlier one (same op, same\n"
    "                             inputs) is dropped; its readers read the earlier one\n"
    "      fold_transposes        addmm/mm of a transposed matrix -> linear of the\n"
    "                             matrix: weights are packed, never transposed or copied\n"
    "      fold_constants         nodes that read only weights and constants run once;\n"
    "                             their results become constants\n"
    "      fuse_attention         decomposed attention (scaled bmm, mask, safe softmax,\n"
    "                             bmm) -> one scaled_dot_product_attention\n"
    "      fuse_activations       silu, hardswish, hardsigmoid, gelu (erf and tanh forms)\n"
    "                             written out as elementwise chains -> one op each\n"
    "      fuse_norms             rms and layer norms written out over the last dim\n"
    "                             (mean, pow, rsqrt, ...) -> rms_norm, layer_norm\n"
    "      fold_batch_norm        conv/linear + eval batch norm -> conv/linear with\n"
    "                             rescaled weights\n"
    "      dce                    drop nodes nothing reads, then weights nothing reads\n";

typedef struct opt_args {
    const char *in, *out;
    const char *passes;      /* NULL: every pass */
    const char *print_after; /* nullable */
    int quiet;
} opt_args;

typedef struct opt_report {
    const opt_args *a;
    unsigned long long arena; /* the arena of the program before the pass, 0 unknown */
    int arena_known;
} opt_report;

/* The arena a runner plans for the exported sizes (what pt2c check reports), one thread;
 * unknown when pt2c cannot plan the program (a missing kernel, data-dependent sizes). */
static int measure_arena(const pt2c_program *prog, unsigned long long *bytes) {
    pt2c_error err;
    pt2c_runner *runner = NULL;
    pt2c_run_options opts = {.n_threads = 1};
    int ok = pt2c_runner_create(prog, &opts, &runner, &err) == PT2C_OK &&
             pt2c_runner_prepare(runner, &err) == PT2C_OK;
    pt2c_runner_stats st;
    if (ok) {
        pt2c_runner_get_stats(runner, &st);
        ok = st.shape_plans > 0;
        *bytes = st.arena_bytes;
    }
    pt2c_runner_destroy(runner);
    return ok;
}

static void print_arena(int known, unsigned long long bytes) {
    if (known)
        printf("%.1f KiB", (double)bytes / 1024.0);
    else
        printf("-");
}

static pt2c_status after_pass(void *user, const pt2c_program *prog, const pt2c_pass_result *r,
                              pt2c_error *err) {
    (void)err;
    opt_report *rep = user;
    if (!rep->a->quiet) {
        unsigned long long arena = 0;
        int known = measure_arena(prog, &arena);
        printf("%-16s nodes %lld -> %lld (%+lld), placeholders %lld -> %lld, %lld rewrite%s, "
               "arena ",
               r->pass, (long long)r->nodes_before, (long long)r->nodes_after,
               (long long)(r->nodes_after - r->nodes_before), (long long)r->inputs_before,
               (long long)r->inputs_after, (long long)r->rewrites, r->rewrites == 1 ? "" : "s");
        print_arena(rep->arena_known, rep->arena);
        printf(" -> ");
        print_arena(known, arena);
        printf("\n");
        rep->arena = arena;
        rep->arena_known = known;
    }
    const char *pa = rep->a->print_after;
    if (pa && (strcmp(pa, "all") == 0 || strcmp(pa, r->pass) == 0)) {
        char *text = NULL;
        size_t len = 0;
        pt2c_error e;
        if (pt2c_program_render(prog, PT2C_VIEW_CODE, &text, &len, &e) == PT2C_OK) {
            printf("# after %s\n", r->pass);
            fwrite(text, 1, len, stdout);
            pt2c_free(prog, text);
        }
    }
    fflush(stdout);
    return PT2C_OK;
}

/* Every pass but the lowerings, in table order: the full pipeline. */
static char *all_passes(void) {
    size_t len = 1;
    for (size_t k = 0; k < pt2c_pass_count(); k++)
        len += strlen(pt2c_pass_name(k)) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = 0;
    for (size_t k = 0; k < pt2c_pass_count(); k++) {
        if (pt2c_pass_is_lowering(k))
            continue;
        if (s[0])
            strcat(s, ",");
        strcat(s, pt2c_pass_name(k));
    }
    return s;
}

static int parse_opt_args(int argc, char **argv, opt_args *a) {
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        int has_value = i + 1 < argc;
        if ((strcmp(s, "-o") == 0 || strcmp(s, "--output") == 0) && has_value) {
            a->out = argv[++i];
        } else if (strcmp(s, "--passes") == 0 && has_value) {
            a->passes = argv[++i];
        } else if (strcmp(s, "--print-after") == 0 && has_value) {
            a->print_after = argv[++i];
        } else if (strcmp(s, "--quiet") == 0) {
            a->quiet = 1;
        } else if (s[0] == '-' && s[1]) {
            char msg[256];
            snprintf(msg, sizeof msg, "opt: unknown option '%s' (or it needs a value)", s);
            return pt2c_cli_usage_error(msg);
        } else if (!a->in) {
            a->in = s;
        } else {
            return pt2c_cli_usage_error("opt: expected one IN.pt2");
        }
    }
    if (!a->in || !a->out)
        return pt2c_cli_usage_error("opt: expected IN.pt2 -o OUT.pt2");
    if (a->print_after && strcmp(a->print_after, "all") != 0) {
        int known = 0;
        for (size_t k = 0; k < pt2c_pass_count() && !known; k++)
            known = strcmp(pt2c_pass_name(k), a->print_after) == 0;
        if (!known) {
            char msg[256];
            snprintf(msg, sizeof msg, "opt: --print-after: unknown pass '%s'", a->print_after);
            return pt2c_cli_usage_error(msg);
        }
    }
    return 0;
}

static int opt_main(int argc, char **argv) {
    opt_args a;
    int rc = parse_opt_args(argc, argv, &a);
    if (rc)
        return rc;
    pt2c_program *prog = NULL;
    if ((rc = pt2c_cli_open_program(a.in, &prog)) != 0)
        return rc;
    char *every = a.passes ? NULL : all_passes();
    opt_report rep = {&a, 0, 0};
    if (!a.quiet)
        rep.arena_known = measure_arena(prog, &rep.arena);
    pt2c_error err;
    pt2c_error_clear(&err);
    pt2c_optimize_options o = {0};
    o.passes = a.passes ? (strcmp(a.passes, "none") == 0 ? "" : a.passes) : every;
    o.hook = after_pass;
    o.hook_user = &rep;
    if (!a.passes && !every) {
        fprintf(stderr, "pt2c: %s: out of memory\n", a.in);
        rc = 1;
    } else if (pt2c_program_optimize(prog, &o, &err) != PT2C_OK) {
        rc = pt2c_cli_fail(a.in, &err);
    } else if (pt2c_program_save(prog, a.out, &err) != PT2C_OK) {
        rc = pt2c_cli_fail(a.out, &err);
    }
    free(every);
    pt2c_program_close(prog);
    return rc;
}

const pt2c_cli_verb pt2c_cmd_opt = {"opt", "opt IN.pt2 -o OUT.pt2 [options]", opt_help, opt_main};
