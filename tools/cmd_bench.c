/*
 * cmd_bench.c - `pt2c bench MODEL.pt2 [options]`: how long a model takes to load, plan and
 * run, how much memory it holds, and where the time of a run goes.
 *
 * What is measured, in order (inputs as `pt2c run`: -i files, else the archive's sample
 * inputs, else seeded random tensors):
 *
 *   load_ms        pt2c_program_open + pt2c_runner_create
 *   passes_ms      pt2c_program_optimize (the graph passes, part of load_ms)
 *   plan_ms        pt2c_runner_prepare once the inputs are set: shapes, buffers, packed weights
 *   first_run_ms   the first pt2c_runner_run
 *   --warmup runs, untimed; then --iterations runs, each timed: median, p90 (nearest rank),
 *                  min and mean in ms
 *   memory         pt2c_runner_get_stats (arena, intermediates, scratch, packed weights) and
 *                  the peak RSS of the whole process at the end (getrusage)
 *   profile        profiling is chosen when a runner is created, so a second runner with
 *                  opts.profile = 1 runs the same inputs: one untimed run, then
 *                  max(5, iterations / 4) profiled runs. The first runner is destroyed before,
 *                  so the peak RSS is that of one runner, and the timed runs above never
 *                  carry profiling's clock reads. Node times are wall time barrier to barrier
 *                  (they include waiting for the slowest thread); percentages are of their sum.
 *
 * --json prints one JSON object (the keys bench/compare.py reads; see json_report). A node
 * whose op does not count its floating-point operations has gflop 0 and gflops null.
 */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static const char bench_help[] =
    "  bench MODEL.pt2 [options]  time loading, planning and runs; profile each node\n"
    "      -i FILE.npy            a user input, in signature order (repeat); default: the\n"
    "                             archive's sample inputs, else seeded random inputs\n"
    "      --threads N            kernel threads (default: every online core)\n"
    "      --seed S               seed for random inputs and random ops (default 0)\n"
    "      --warmup N             untimed runs before the timed ones (default 3)\n"
    "      --iterations N         timed runs (default 20); then max(5, N/4) runs of a\n"
    "                             second runner with profiling on give the per-op times\n"
    "      --passes LIST          graph passes to run first (see pt2c run --help)\n"
    "      --no-fusion            run every node as exported (see pt2c run --help)\n"
    "      --no-views             copy every strided view (see pt2c run --help)\n"
    "      --top N                the N slowest nodes in the profile (default 10; 0: all)\n"
    "      --json                 one JSON object on stdout instead of tables\n";

enum { MAX_ITERATIONS = 1000000, TOP_NODES = 10 };

typedef struct bench_args {
    const char *model;
    const char *inputs[PT2C_CLI_MAX_INPUTS];
    int n_inputs;
    int threads; /* 0: every online core */
    unsigned long long seed;
    long warmup;
    long iterations;
    long top; /* nodes listed; 0: all */
    bool json;
    bool no_fusion;
    bool no_views;
    const char *passes; /* NULL: the default pipeline */
} bench_args;

/* One line of a profile table: a node, or every node of one op summed. */
typedef struct prof_row {
    const char *node; /* borrowed (profiled runner): node name; NULL in per-op rows */
    const char *op;   /* borrowed (profiled runner): target without "torch.ops." */
    size_t order;     /* first appearance in the graph, to break ties in time */
    int64_t nodes;    /* nodes summed into the row */
    double ms;        /* wall time per run */
    double flop;      /* per run; 0 when the op does not count them */
} prof_row;

typedef struct bench_report {
    pt2c_cli_source source;
    double load_ms, passes_ms, plan_ms, first_run_ms;
    double median_ms, p90_ms, min_ms, mean_ms; /* over the timed runs */
    uint64_t peak_rss_bytes;
    pt2c_runner_stats stats; /* of the timed runner */
    long profile_runs;
    double total_ms; /* profiled: the nodes' ms per run, summed */
    double flop;     /* per run, every node */
    prof_row *nodes; /* owned: one per profiled step, slowest first */
    size_t n_nodes;
    prof_row *ops; /* owned: one per op, slowest first */
    size_t n_ops;
} bench_report;

/* ---------------------------------------------------------------------------------------- */
/* Arguments                                                                                */

static int parse_bench_args(int argc, char **argv, bench_args *a) {
    memset(a, 0, sizeof *a);
    a->warmup = 3;
    a->iterations = 20;
    a->top = TOP_NODES;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        bool takes_value = strcmp(s, "-i") == 0 || strcmp(s, "--threads") == 0 ||
                           strcmp(s, "--seed") == 0 || strcmp(s, "--warmup") == 0 ||
                           strcmp(s, "--iterations") == 0 || strcmp(s, "--top") == 0 ||
                           strcmp(s, "--passes") == 0;
        char msg[256];
        if (takes_value && i + 1 >= argc) {
            snprintf(msg, sizeof msg, "bench: %s needs a value", s);
            return pt2c_cli_usage_error(msg);
        }
        if (strcmp(s, "-i") == 0) {
            if (a->n_inputs == PT2C_CLI_MAX_INPUTS)
                return pt2c_cli_usage_error("bench: too many inputs");
            a->inputs[a->n_inputs++] = argv[++i];
        } else if (strcmp(s, "--threads") == 0) {
            long t;
            if (pt2c_cli_parse_long(argv[++i], 1, 64, &t))
                return pt2c_cli_usage_error("bench: --threads takes a number from 1 to 64");
            a->threads = (int)t;
        } else if (strcmp(s, "--seed") == 0) {
            char *end;
            const char *v = argv[++i];
            a->seed = strtoull(v, &end, 10);
            if (end == v || *end)
                return pt2c_cli_usage_error("bench: --seed takes a number");
        } else if (strcmp(s, "--warmup") == 0) {
            if (pt2c_cli_parse_long(argv[++i], 0, MAX_ITERATIONS, &a->warmup))
                return pt2c_cli_usage_error("bench: --warmup takes a number from 0 to 1000000");
        } else if (strcmp(s, "--iterations") == 0) {
            if (pt2c_cli_parse_long(argv[++i], 1, MAX_ITERATIONS, &a->iterations))
                return pt2c_cli_usage_error("bench: --iterations takes a number from 1 to 1000000");
        } else if (strcmp(s, "--top") == 0) {
            if (pt2c_cli_parse_long(argv[++i], 0, MAX_ITERATIONS, &a->top))
                return pt2c_cli_usage_error("bench: --top takes a number from 0 to 1000000");
        } else if (strcmp(s, "--json") == 0) {
            a->json = true;
        } else if (strcmp(s, "--no-fusion") == 0) {
            a->no_fusion = true;
        } else if (strcmp(s, "--no-views") == 0) {
            a->no_views = true;
        } else if (strcmp(s, "--passes") == 0) {
            a->passes = argv[++i];
        } else if (s[0] == '-') {
            snprintf(msg, sizeof msg, "bench: unknown option '%s'", s);
            return pt2c_cli_usage_error(msg);
        } else if (!a->model) {
            a->model = s;
        } else {
            return pt2c_cli_usage_error("bench: takes one MODEL.pt2");
        }
    }
    if (!a->model)
        return pt2c_cli_usage_error("bench: missing MODEL.pt2");
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Statistics                                                                               */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Slowest first; equal times keep graph order, so the tables are stable. */
static int cmp_row(const void *a, const void *b) {
    const prof_row *x = a, *y = b;
    if (x->ms != y->ms)
        return x->ms < y->ms ? 1 : -1;
    return (x->order > y->order) - (x->order < y->order);
}

/* Sorts ms[0..n) in place. p90 is the nearest rank: the ceil(0.9 n)-th smallest. */
static void summarize_times(double *ms, size_t n, bench_report *r) {
    qsort(ms, n, sizeof *ms, cmp_double);
    double sum = 0;
    for (size_t k = 0; k < n; k++)
        sum += ms[k];
    r->min_ms = ms[0];
    r->mean_ms = sum / (double)n;
    r->median_ms = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
    r->p90_ms = ms[(9 * n + 9) / 10 - 1];
}

static const char *strip_prefix(const char *op) {
    static const char prefix[] = "torch.ops.";
    return strncmp(op, prefix, sizeof prefix - 1) == 0 ? op + sizeof prefix - 1 : op;
}

/* Read the profiled runner's entries into per-node and per-op rows. */
static int collect_profile(const char *model, const pt2c_runner *runner, bench_report *r) {
    size_t n = pt2c_runner_n_profile(runner);
    r->nodes = calloc(n ? n : 1, sizeof *r->nodes);
    r->ops = calloc(n ? n : 1, sizeof *r->ops);
    if (!r->nodes || !r->ops) {
        fprintf(stderr, "pt2c: %s: out of memory for the profile\n", model);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        pt2c_error err;
        pt2c_node_profile p;
        if (pt2c_runner_profile(runner, i, &p, &err) != PT2C_OK)
            return pt2c_cli_fail(model, &err);
        prof_row row = {.node = p.node,
                        .op = strip_prefix(p.op),
                        .order = i,
                        .nodes = 1,
                        .ms = p.runs ? p.seconds * 1e3 / (double)p.runs : 0.0,
                        .flop = p.flop};
        r->nodes[r->n_nodes++] = row;
        r->total_ms += row.ms;
        r->flop += row.flop;
        size_t k = 0;
        while (k < r->n_ops && strcmp(r->ops[k].op, row.op) != 0)
            k++;
        if (k == r->n_ops)
            r->ops[r->n_ops++] = (prof_row){.op = row.op, .order = i};
        r->ops[k].nodes++;
        r->ops[k].ms += row.ms;
        r->ops[k].flop += row.flop;
    }
    qsort(r->nodes, r->n_nodes, sizeof *r->nodes, cmp_row);
    qsort(r->ops, r->n_ops, sizeof *r->ops, cmp_row);
    return 0;
}

static double percent_of(double ms, double total_ms) {
    return total_ms > 0 ? 100.0 * ms / total_ms : 0.0;
}

/* GFLOP/s of flop operations in ms milliseconds; NAN (JSON null) when unknown. */
static double gflops_of(double flop, double ms) {
    return flop > 0 && ms > 0 ? flop / (ms * 1e6) : (double)NAN;
}

/* ---------------------------------------------------------------------------------------- */
/* Text                                                                                     */

static void human_bytes(uint64_t b, char *buf, size_t size) {
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)b;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%llu B", (unsigned long long)b);
    else
        snprintf(buf, size, "%.1f %s", v, units[u]);
}

/* One table line: "node  op  ms/run  %  GFLOP  GFLOP/s" for a node, "op  nodes  ..." for an
 * op; "-" where the op does not count its floating-point operations. */
static void print_table_row(int node_w, int op_w, const prof_row *row, double total_ms) {
    if (row->node)
        printf("  %-*s  %-*s", node_w, row->node, op_w, row->op);
    else
        printf("  %-*s  %5lld", op_w, row->op, (long long)row->nodes);
    printf("  %9.4f  %5.1f", row->ms, percent_of(row->ms, total_ms));
    if (row->flop > 0)
        printf("  %10.4g  %8.2f\n", row->flop * 1e-9, gflops_of(row->flop, row->ms));
    else
        printf("  %10s  %8s\n", "-", "-");
}

/* Nodes listed in the profile: --top of them, all with --top 0. */
static size_t top_count(const bench_args *a, const bench_report *r) {
    return a->top == 0 || r->n_nodes < (size_t)a->top ? r->n_nodes : (size_t)a->top;
}

static void text_report(const bench_args *a, const bench_report *r) {
    static const char *const sources[] = {"inputs from files", "sample inputs", "random inputs"};
    printf("%s: %d thread%s, %s kernels, %s", a->model, r->stats.n_threads,
           r->stats.n_threads == 1 ? "" : "s", pt2c_isa_name(r->stats.isa), sources[r->source]);
    if (r->source == PT2C_CLI_INPUTS_RANDOM)
        printf(" (seed %llu)", a->seed);
    printf("\nload %.3f ms (graph passes %.3f ms), plan %.3f ms, first run %.3f ms\n", r->load_ms,
           r->passes_ms, r->plan_ms, r->first_run_ms);
    printf("%ld run%s after %ld warmup: median %.3f ms, p90 %.3f ms, min %.3f ms, mean %.3f ms\n",
           a->iterations, a->iterations == 1 ? "" : "s", a->warmup, r->median_ms, r->p90_ms,
           r->min_ms, r->mean_ms);
    if (r->flop > 0)
        printf("compute: %.4g GFLOP per run, %.2f GFLOP/s at the median\n", r->flop * 1e-9,
               gflops_of(r->flop, r->median_ms));
    else
        printf("compute: no node counts its floating-point operations\n");
    char rss[32], arena[32], inter[32], scratch[32], packed[32];
    human_bytes(r->peak_rss_bytes, rss, sizeof rss);
    human_bytes(r->stats.arena_bytes, arena, sizeof arena);
    human_bytes(r->stats.activation_bytes, inter, sizeof inter);
    human_bytes(r->stats.scratch_bytes, scratch, sizeof scratch);
    human_bytes(r->stats.packed_bytes, packed, sizeof packed);
    printf("memory: peak RSS %s; arena %s, intermediates %s, scratch %s, packed weights %s\n", rss,
           arena, inter, scratch, packed);
    printf("views: %lld strided views alias their input, %lld copied\n", (long long)r->stats.views,
           (long long)r->stats.view_copies);
    printf("elementwise: %lld fused groups of %lld ops; %lld strided inputs read in place\n",
           (long long)r->stats.elementwise_groups, (long long)r->stats.elementwise_ops,
           (long long)r->stats.strided_reads);

    int op_w = 2, node_w = 4;
    for (size_t k = 0; k < r->n_ops; k++)
        if ((int)strlen(r->ops[k].op) > op_w)
            op_w = (int)strlen(r->ops[k].op);
    size_t n_top = top_count(a, r);
    for (size_t k = 0; k < n_top; k++)
        if ((int)strlen(r->nodes[k].node) > node_w)
            node_w = (int)strlen(r->nodes[k].node);

    printf("\nby op (%ld profiled run%s; %.3f ms per run in nodes):\n", r->profile_runs,
           r->profile_runs == 1 ? "" : "s", r->total_ms);
    printf("  %-*s  %5s  %9s  %5s  %10s  %8s\n", op_w, "op", "nodes", "ms/run", "%", "GFLOP",
           "GFLOP/s");
    for (size_t k = 0; k < r->n_ops; k++)
        print_table_row(node_w, op_w, &r->ops[k], r->total_ms);
    printf("\ntop %zu node%s:\n", n_top, n_top == 1 ? "" : "s");
    printf("  %-*s  %-*s  %9s  %5s  %10s  %8s\n", node_w, "node", op_w, "op", "ms/run", "%",
           "GFLOP", "GFLOP/s");
    for (size_t k = 0; k < n_top; k++)
        print_table_row(node_w, op_w, &r->nodes[k], r->total_ms);
}

/* ---------------------------------------------------------------------------------------- */
/* JSON                                                                                     */

static void json_string(const char *s) {
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

/* A JSON number (%.*g), or null for NaN and infinities, which JSON cannot hold. */
static void json_number(double v, int digits) {
    if (isfinite(v))
        printf("%.*g", digits, v);
    else
        fputs("null", stdout);
}

static void json_key_number(const char *key, double v, int digits) {
    printf("  \"%s\": ", key);
    json_number(v, digits);
    fputs(",\n", stdout);
}

static void json_rows(const char *key, const prof_row *rows, size_t n, double total_ms) {
    printf("  \"%s\": [", key);
    for (size_t k = 0; k < n; k++) {
        const prof_row *row = &rows[k];
        fputs(k ? ",\n    {" : "\n    {", stdout);
        if (row->node) {
            fputs("\"node\": ", stdout);
            json_string(row->node);
            fputs(", ", stdout);
        }
        fputs("\"op\": ", stdout);
        json_string(row->op);
        if (!row->node) /* a node row is one node */
            printf(", \"nodes\": %lld", (long long)row->nodes);
        fputs(", \"ms\": ", stdout);
        json_number(row->ms, 6);
        fputs(", \"percent\": ", stdout);
        json_number(percent_of(row->ms, total_ms), 6);
        fputs(", \"gflop\": ", stdout);
        json_number(row->flop * 1e-9, 9);
        fputs(", \"gflops\": ", stdout);
        json_number(gflops_of(row->flop, row->ms), 6);
        putchar('}');
    }
    fputs(n ? "\n  ]" : "]", stdout);
}

/* The keys bench/compare.py reads: keep their names. */
static void json_report(const bench_args *a, const bench_report *r) {
    fputs("{\n  \"model\": ", stdout);
    json_string(a->model);
    printf(",\n  \"threads\": %d,\n  \"isa\": ", r->stats.n_threads);
    json_string(pt2c_isa_name(r->stats.isa));
    printf(",\n  \"iterations\": %ld,\n  \"warmup\": %ld,\n", a->iterations, a->warmup);
    json_key_number("load_ms", r->load_ms, 6);
    json_key_number("passes_ms", r->passes_ms, 6);
    json_key_number("plan_ms", r->plan_ms, 6);
    json_key_number("first_run_ms", r->first_run_ms, 6);
    json_key_number("median_ms", r->median_ms, 6);
    json_key_number("p90_ms", r->p90_ms, 6);
    json_key_number("min_ms", r->min_ms, 6);
    json_key_number("mean_ms", r->mean_ms, 6);
    printf("  \"peak_rss_bytes\": %llu,\n", (unsigned long long)r->peak_rss_bytes);
    printf("  \"arena_bytes\": %llu,\n", (unsigned long long)r->stats.arena_bytes);
    printf("  \"intermediate_bytes\": %llu,\n", (unsigned long long)r->stats.activation_bytes);
    printf("  \"scratch_bytes\": %llu,\n", (unsigned long long)r->stats.scratch_bytes);
    printf("  \"packed_bytes\": %llu,\n", (unsigned long long)r->stats.packed_bytes);
    printf("  \"views\": %lld,\n", (long long)r->stats.views);
    printf("  \"view_copies\": %lld,\n", (long long)r->stats.view_copies);
    printf("  \"elementwise_groups\": %lld,\n", (long long)r->stats.elementwise_groups);
    printf("  \"elementwise_ops\": %lld,\n", (long long)r->stats.elementwise_ops);
    printf("  \"strided_reads\": %lld,\n", (long long)r->stats.strided_reads);
    json_key_number("gflop_per_run", r->flop * 1e-9, 9);
    json_key_number("gflops", gflops_of(r->flop, r->median_ms), 6);
    json_rows("by_op", r->ops, r->n_ops, r->total_ms);
    fputs(",\n", stdout);
    size_t n_top = top_count(a, r);
    json_rows("top_nodes", r->nodes, n_top, r->total_ms);
    fputs("\n}\n", stdout);
}

/* ---------------------------------------------------------------------------------------- */
/* The measurements                                                                         */

static int run_once(const char *model, pt2c_runner *runner) {
    pt2c_error err;
    if (pt2c_runner_run(runner, &err) != PT2C_OK)
        return pt2c_cli_fail(model, &err);
    return 0;
}

/* A second runner with profiling on: one untimed run, then the profiled ones. */
static int profile_pass(const bench_args *a, const pt2c_program *prog, const pt2c_cli_inputs *in,
                        pt2c_runner **out, bench_report *r) {
    pt2c_error err;
    pt2c_run_options opts = {.n_threads = a->threads,
                             .profile = 1,
                             .no_fusion = a->no_fusion,
                             .no_views = a->no_views,
                             .seed_set = 1,
                             .seed = a->seed};
    if (pt2c_runner_create(prog, &opts, out, &err) != PT2C_OK)
        return pt2c_cli_fail(a->model, &err);
    int rc = pt2c_cli_set_inputs(a->model, *out, in);
    if (!rc)
        rc = run_once(a->model, *out);
    if (rc)
        return rc;
    pt2c_runner_profile_reset(*out);
    r->profile_runs = a->iterations / 4 > 5 ? a->iterations / 4 : 5;
    for (long it = 0; it < r->profile_runs && !rc; it++)
        rc = run_once(a->model, *out);
    return rc ? rc : collect_profile(a->model, *out, r);
}

static int bench_main(int argc, char **argv) {
    bench_args a;
    int rc = parse_bench_args(argc, argv, &a);
    if (rc)
        return rc;
    bench_report r;
    memset(&r, 0, sizeof r);
    pt2c_cli_inputs in = {.n = 0};
    pt2c_program *prog = NULL;
    pt2c_runner *runner = NULL, *profiled = NULL;
    double *times = NULL;
    pt2c_error err;

    double t = pt2c_cli_now();
    rc = pt2c_cli_open_program(a.model, &prog);
    if (rc)
        return rc;
    double tp = pt2c_cli_now();
    if ((rc = pt2c_cli_optimize(a.model, prog, a.passes)) != 0)
        goto done;
    r.passes_ms = (pt2c_cli_now() - tp) * 1e3;
    pt2c_run_options opts = {.n_threads = a.threads,
                             .no_fusion = a.no_fusion,
                             .no_views = a.no_views,
                             .seed_set = 1,
                             .seed = a.seed};
    if (pt2c_runner_create(prog, &opts, &runner, &err) != PT2C_OK) {
        rc = pt2c_cli_fail(a.model, &err);
        goto done;
    }
    r.load_ms = (pt2c_cli_now() - t) * 1e3;

    size_t n_in = pt2c_runner_n_inputs(runner);
    if (n_in > PT2C_CLI_MAX_INPUTS || (a.n_inputs && (size_t)a.n_inputs != n_in)) {
        fprintf(stderr, "pt2c: %s: bench: %d input file%s given, the program takes %zu\n", a.model,
                a.n_inputs, a.n_inputs == 1 ? "" : "s", n_in);
        rc = 1;
        goto done;
    }
    r.source = pt2c_cli_input_source(prog, n_in, (size_t)a.n_inputs);
    rc = pt2c_cli_load_inputs(a.model, prog, runner, r.source, a.inputs, a.seed, &in);
    if (rc)
        goto done;

    t = pt2c_cli_now();
    if (pt2c_runner_prepare(runner, &err) != PT2C_OK) {
        rc = pt2c_cli_fail(a.model, &err);
        goto done;
    }
    r.plan_ms = (pt2c_cli_now() - t) * 1e3;
    t = pt2c_cli_now();
    if ((rc = run_once(a.model, runner)) != 0)
        goto done;
    r.first_run_ms = (pt2c_cli_now() - t) * 1e3;
    for (long it = 0; it < a.warmup; it++)
        if ((rc = run_once(a.model, runner)) != 0)
            goto done;
    times = malloc((size_t)a.iterations * sizeof *times);
    if (!times) {
        fprintf(stderr, "pt2c: %s: out of memory for %ld timings\n", a.model, a.iterations);
        rc = 1;
        goto done;
    }
    for (long it = 0; it < a.iterations; it++) {
        t = pt2c_cli_now();
        if ((rc = run_once(a.model, runner)) != 0)
            goto done;
        times[it] = (pt2c_cli_now() - t) * 1e3;
    }
    summarize_times(times, (size_t)a.iterations, &r);
    pt2c_runner_get_stats(runner, &r.stats);
    pt2c_runner_destroy(runner);
    runner = NULL;

    if ((rc = profile_pass(&a, prog, &in, &profiled, &r)) != 0)
        goto done;
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        r.peak_rss_bytes = (uint64_t)ru.ru_maxrss * 1024u; /* Linux counts KiB */
    if (a.json)
        json_report(&a, &r);
    else
        text_report(&a, &r);
done:
    free(times);
    free(r.nodes);
    free(r.ops);
    pt2c_cli_free_inputs(&in);
    pt2c_runner_destroy(profiled);
    pt2c_runner_destroy(runner);
    pt2c_program_close(prog);
    return rc;
}

const pt2c_cli_verb pt2c_cmd_bench = {"bench", "bench MODEL.pt2 [options]", bench_help, bench_main};
