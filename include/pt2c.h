/*
 * pt2c.h - the public C API of libpt2c.
 *
 * pt2c reads PyTorch 2 exported programs (`.pt2` files written by torch.export.save)
 * without Python or libtorch. This header is the only public one; the `pt2c` command-line
 * tool uses nothing else.
 *
 * Example: open a program, print its code, list its weights.
 *
 *     pt2c_error err;
 *     pt2c_program *prog = NULL;
 *     if (pt2c_program_open("model.pt2", NULL, &prog, &err) != PT2C_OK) {
 *         char line[1024];
 *         pt2c_error_format(&err, line, sizeof line);
 *         fprintf(stderr, "%s\n", line);
 *         return 1;
 *     }
 *     char *text = NULL;
 *     size_t len = 0;
 *     if (pt2c_program_render(prog, PT2C_VIEW_CODE, &text, &len, &err) == PT2C_OK) {
 *         fwrite(text, 1, len, stdout);
 *         pt2c_free(prog, text);
 *     }
 *     for (size_t i = 0; i < pt2c_program_n_tensors(prog, PT2C_TENSORS_STATE_DICT); i++) {
 *         pt2c_tensor_info t;
 *         pt2c_program_tensor(prog, PT2C_TENSORS_STATE_DICT, i, &t);
 *         printf("%s %s\n", t.name, pt2c_dtype_name(t.dtype));
 *     }
 *     pt2c_program_close(prog);
 *
 * Conventions: every call that can fail returns pt2c_status (PT2C_OK is 0) and fills the
 * caller's pt2c_error. The library never prints, exits or aborts. Nothing here keeps global
 * mutable state, so separate programs may be used from separate threads.
 */
#ifndef PT2C_H
#define PT2C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PT2C_BUILDING_LIBRARY) && defined(__GNUC__)
#define PT2C_API __attribute__((visibility("default")))
#else
#define PT2C_API
#endif

/* ---------------------------------------------------------------------------------------- */
/* Status codes: one list, expanded into the enum and the names.                            */

#define PT2C_FORALL_STATUS(X)                                                                      \
    X(OK, "ok")                                                                                    \
    X(ERR_IO, "io")                                                                                \
    X(ERR_FORMAT, "format")                                                                        \
    X(ERR_JSON, "json")                                                                            \
    X(ERR_PICKLE, "pickle")                                                                        \
    X(ERR_SCHEMA, "schema")                                                                        \
    X(ERR_UNSUPPORTED, "unsupported")                                                              \
    X(ERR_NOMEM, "out of memory")                                                                  \
    X(ERR_LIMIT, "limit")                                                                          \
    X(ERR_ARG, "argument")                                                                         \
    X(ERR_SHAPE, "shape")                                                                          \
    X(ERR_VALUE, "value")                                                                          \
    X(ERR_INTERNAL, "internal")

typedef enum pt2c_status {
#define PT2C_STATUS_ENUM(name, text) PT2C_##name,
    PT2C_FORALL_STATUS(PT2C_STATUS_ENUM)
#undef PT2C_STATUS_ENUM
        PT2C_STATUS_COUNT
} pt2c_status;

/* Details of the first failure, in caller storage (thread-safe, survives out-of-memory). */
typedef struct pt2c_error {
    pt2c_status code;    /* PT2C_OK when nothing failed */
    int64_t node_index;  /* index of the node in its graph, -1 when no node is involved */
    char node_name[128]; /* FX node name, "" when none */
    char op[192];        /* node target, e.g. "torch.ops.aten.conv2d.default", "" when none */
    char msg[768];       /* "phase: what was found, what was expected" */
} pt2c_error;

PT2C_API const char *pt2c_status_name(pt2c_status status);
/* "0.1.0" */
PT2C_API const char *pt2c_version(void);
/* Clear an error before reuse (pt2c calls record only the first failure). */
PT2C_API void pt2c_error_clear(pt2c_error *err);
/* One line: "msg" or "node 3 'conv2d' (torch.ops.aten.conv2d.default): msg". */
PT2C_API void pt2c_error_format(const pt2c_error *err, char *buf, size_t buf_size);

/* ---------------------------------------------------------------------------------------- */
/* Allocation hook: every heap allocation of the library goes through it.                   */

typedef struct pt2c_allocator {
    void *(*alloc)(void *ctx, size_t size);                                   /* NULL on failure */
    void *(*realloc)(void *ctx, void *ptr, size_t old_size, size_t new_size); /* NULL on failure */
    void (*free)(void *ctx, void *ptr, size_t size);                          /* ptr may be NULL */
    void *ctx; /* borrowed, passed back */
} pt2c_allocator;

/* The malloc/realloc/free allocator. */
PT2C_API const pt2c_allocator *pt2c_default_allocator(void);

/* ---------------------------------------------------------------------------------------- */
/* Data types, numbered as torch.export's ScalarType (not c10's numbering).                 */
/* X(name, value, bytes, fx abbreviation, torch name, numpy descr or NULL)                  */

#define PT2C_FORALL_DTYPES(X)                                                                      \
    X(U8, 1, 1, "u8", "torch.uint8", "|u1")                                                        \
    X(I8, 2, 1, "i8", "torch.int8", "|i1")                                                         \
    X(I16, 3, 2, "i16", "torch.int16", "<i2")                                                      \
    X(I32, 4, 4, "i32", "torch.int32", "<i4")                                                      \
    X(I64, 5, 8, "i64", "torch.int64", "<i8")                                                      \
    X(F16, 6, 2, "f16", "torch.float16", "<f2")                                                    \
    X(F32, 7, 4, "f32", "torch.float32", "<f4")                                                    \
    X(F64, 8, 8, "f64", "torch.float64", "<f8")                                                    \
    X(C32, 9, 4, "c32", "torch.complex32", NULL)                                                   \
    X(C64, 10, 8, "c64", "torch.complex64", "<c8")                                                 \
    X(C128, 11, 16, "c128", "torch.complex128", "<c16")                                            \
    X(BOOL, 12, 1, "b8", "torch.bool", "|b1")                                                      \
    X(BF16, 13, 2, "bf16", "torch.bfloat16", NULL)                                                 \
    X(U16, 28, 2, "u16", "torch.uint16", "<u2")                                                    \
    X(F8E4M3FN, 29, 1, "f8e4m3fn", "torch.float8_e4m3fn", NULL)                                    \
    X(F8E5M2, 30, 1, "f8e5m2", "torch.float8_e5m2", NULL)                                          \
    X(F8E4M3FNUZ, 31, 1, "f8e4m3fnuz", "torch.float8_e4m3fnuz", NULL)                              \
    X(F8E5M2FNUZ, 32, 1, "f8e5m2fnuz", "torch.float8_e5m2fnuz", NULL)                              \
    X(F8E8M0FNU, 33, 1, "f8e8m0fnu", "torch.float8_e8m0fnu", NULL)                                 \
    X(U32, 34, 4, "u32", "torch.uint32", "<u4")                                                    \
    X(U64, 35, 8, "u64", "torch.uint64", "<u8")

typedef enum pt2c_dtype {
    PT2C_DTYPE_UNKNOWN = 0,
#define PT2C_DTYPE_ENUM(name, value, bytes, abbr, torch_name, npy) PT2C_DTYPE_##name = value,
    PT2C_FORALL_DTYPES(PT2C_DTYPE_ENUM)
#undef PT2C_DTYPE_ENUM
} pt2c_dtype;

PT2C_API int pt2c_dtype_valid(int value);                    /* 1 if value names a pt2c_dtype */
PT2C_API size_t pt2c_dtype_size(pt2c_dtype dtype);           /* bytes per element, 0 if unknown */
PT2C_API const char *pt2c_dtype_abbr(pt2c_dtype dtype);      /* "f32" ("?" if unknown) */
PT2C_API const char *pt2c_dtype_name(pt2c_dtype dtype);      /* "torch.float32" */
PT2C_API const char *pt2c_dtype_npy_descr(pt2c_dtype dtype); /* "<f4", NULL if numpy has none */

/* ---------------------------------------------------------------------------------------- */
/* Limits against hostile files. Zero in a field means "use the default".                   */

typedef struct pt2c_limits {
    uint64_t max_inflated_bytes; /* sum of inflated entry sizes (default 16 GiB) */
    uint64_t max_entries;        /* zip entries (default 1,000,000) */
    uint32_t max_json_depth;     /* JSON nesting (default 256) */
    uint32_t max_pickle_depth;   /* pickle stack/container nesting (default 256) */
    uint32_t max_rank;           /* tensor rank (default 64) */
    uint64_t max_nodes;          /* nodes over all graphs (default 10,000,000) */
    uint64_t max_tensor_bytes;   /* one tensor's byte size (default 1 TiB) */
} pt2c_limits;

/* The limits actually used for a given (possibly NULL, possibly partly zero) request. */
PT2C_API pt2c_limits pt2c_limits_resolve(const pt2c_limits *requested);

/* ---------------------------------------------------------------------------------------- */
/* Programs.                                                                                */

typedef struct pt2c_program pt2c_program;

typedef struct pt2c_open_options {
    const pt2c_allocator *allocator; /* nullable: default allocator */
    const pt2c_limits *limits;       /* nullable: default limits */
    const char *model_name;          /* nullable: the first model of a PT2 archive ("model") */
} pt2c_open_options;

/* Open a .pt2 (PT2 archive or legacy layout). The file is mapped; weights stored
 * uncompressed and aligned are used in place. opts may be NULL. */
PT2C_API pt2c_status pt2c_program_open(const char *path, const pt2c_open_options *opts,
                                       pt2c_program **out, pt2c_error *err);
/* Open a .pt2 held in memory (a model linked into flash, a fuzzer's input). The bytes are
 * borrowed: they must stay valid and unchanged until pt2c_program_close. name is used in
 * messages (NULL: "<memory>"). */
PT2C_API pt2c_status pt2c_program_open_memory(const void *data, size_t size, const char *name,
                                              const pt2c_open_options *opts, pt2c_program **out,
                                              pt2c_error *err);
/* Close and free everything the program owns. NULL is a no-op. */
PT2C_API void pt2c_program_close(pt2c_program *prog);
/* Write the program as it is now (after any changes made in memory) as a .pt2 that
 * torch.export.load reads: always the current PT2 archive layout (schema 8.20, raw
 * 64-byte-aligned weights, tied weights sharing one payload), whichever layout it was read
 * from; sample inputs and extra files are carried over. Atomic: a temporary file in the
 * same directory, then rename, so path may be the file the program was opened from, and
 * the target is untouched on failure. Programs holding custom objects or tensor subclasses
 * are refused (PT2C_ERR_UNSUPPORTED) rather than written without them. */
PT2C_API pt2c_status pt2c_program_save(const pt2c_program *prog, const char *path, pt2c_error *err);
/* Free memory the program handed out (rendered text). */
PT2C_API void pt2c_free(const pt2c_program *prog, void *ptr);

/* ---------------------------------------------------------------------------------------- */
/* Views: text renderings of a program, as PyTorch shows an ExportedProgram.                */

typedef enum pt2c_view {
    PT2C_VIEW_READABLE,          /* ep.graph_module.print_readable(include_device=True) */
    PT2C_VIEW_GRAPH,             /* str(ep.graph_module.graph) */
    PT2C_VIEW_CODE,              /* ep.graph_module.code */
    PT2C_VIEW_SIGNATURE,         /* str(ep.graph_signature) */
    PT2C_VIEW_STATE_DICT,        /* name, dtype, shape, bytes, first values */
    PT2C_VIEW_CONSTANTS,         /* the same for constants */
    PT2C_VIEW_SAMPLE_INPUTS,     /* the same for the archive's sample inputs */
    PT2C_VIEW_RANGE_CONSTRAINTS, /* symbol: [min, max] */
    PT2C_VIEW_JSON,              /* everything, machine readable */
    PT2C_VIEW_SUMMARY,           /* one screen: format, versions, counts, ops */
    PT2C_VIEW_DOT                /* Graphviz digraph of the FX graph; ops without a kernel red */
} pt2c_view;

/* Render a view into a NUL-terminated string owned by the caller (free with pt2c_free). */
PT2C_API pt2c_status pt2c_program_render(const pt2c_program *prog, pt2c_view view, char **out,
                                         size_t *out_len, pt2c_error *err);

/* ---------------------------------------------------------------------------------------- */
/* Tensors held by the archive: weights, constants, sample inputs.                          */

typedef enum pt2c_tensor_set {
    PT2C_TENSORS_STATE_DICT,   /* parameters and persistent buffers, by FQN */
    PT2C_TENSORS_CONSTANTS,    /* tensor constants and non-persistent buffers, by FQN */
    PT2C_TENSORS_SAMPLE_INPUTS /* the archive's example inputs, named by forward arg */
} pt2c_tensor_set;

typedef struct pt2c_tensor_info {
    const char *name; /* borrowed (program lifetime): FQN or input name */
    pt2c_dtype dtype;
    int32_t rank;
    const int64_t *sizes;   /* borrowed, rank entries, dim 0 outermost */
    const int64_t *strides; /* borrowed, rank entries, in elements */
    int64_t storage_offset; /* in elements */
    const void *storage;    /* borrowed: first byte of the whole storage, NULL if empty */
    uint64_t storage_bytes; /* bytes available at storage */
    int is_param;           /* 1 for nn.Parameter */
    int requires_grad;
} pt2c_tensor_info;

PT2C_API size_t pt2c_program_n_tensors(const pt2c_program *prog, pt2c_tensor_set set);
PT2C_API pt2c_status pt2c_program_tensor(const pt2c_program *prog, pt2c_tensor_set set,
                                         size_t index, pt2c_tensor_info *out, pt2c_error *err);

/* Write a tensor as a NumPy .npy file (C order, little endian), atomically: a temporary
 * file in the same directory, then rename. The target is untouched on failure. */
PT2C_API pt2c_status pt2c_tensor_write_npy(const pt2c_tensor_info *tensor, const char *path,
                                           pt2c_error *err);

/* ---------------------------------------------------------------------------------------- */
/* Graph passes: rewrite the program in place (src/passes/). Afterwards every view, the
 * runner and pt2c_program_save see the rewritten program.                                  */

/* The passes, in the order the default pipeline would run them. */
PT2C_API size_t pt2c_pass_count(void);
PT2C_API const char *pt2c_pass_name(size_t index);    /* "dce"; NULL past the end */
PT2C_API const char *pt2c_pass_summary(size_t index); /* one line */
/* 1 for a lowering (decompose: training IR -> Core ATen), which `pt2c opt` runs only when
 * named: it changes the dialect rather than speeding the program up. */
PT2C_API int pt2c_pass_is_lowering(size_t index);
/* The passes pt2c_program_optimize runs when none are named (and pt2c run and bench apply):
 * functionalize, cse, fold_transposes, fold_constants and dce keep the outputs' bits;
 * fuse_attention, fuse_activations and fuse_norms run decomposed attention, activations and
 * norms as one kernel each, which rounds differently (within the oracle's tolerance), like
 * the runtime's own fusion. */
#define PT2C_DEFAULT_PASSES                                                                        \
    "functionalize,cse,fold_transposes,fold_constants,fuse_attention,fuse_activations,"            \
    "fuse_norms,dce"

/* What one pass did. */
typedef struct pt2c_pass_result {
    const char *pass;     /* its name */
    int64_t nodes_before; /* graph nodes before and after */
    int64_t nodes_after;
    int64_t inputs_before; /* placeholders (weights, buffers, constants, inputs) */
    int64_t inputs_after;
    int64_t rewrites; /* the pass's own count: nodes folded, patterns replaced, ... */
} pt2c_pass_result;

/* Called after each pass, once the program has been verified: print it, measure it. A
 * status other than PT2C_OK stops the pipeline and is returned. */
typedef pt2c_status (*pt2c_pass_hook)(void *user, const pt2c_program *prog,
                                      const pt2c_pass_result *result, pt2c_error *err);

typedef struct pt2c_optimize_options {
    const char *passes;  /* "a,b,c" in that order; NULL: PT2C_DEFAULT_PASSES; "": none */
    pt2c_pass_hook hook; /* nullable */
    void *hook_user;
} pt2c_optimize_options;

/* Run the passes on the program (opts may be NULL). An unknown pass name fails before any
 * pass runs. After each pass the graph is verified (every value defined before use, every
 * tensor described, the signature matching the placeholders); a pass that breaks it is an
 * internal error naming the pass, and a graph broken as read is a format error before any
 * pass runs. When a pass fails the program may be partly rewritten: close it. */
PT2C_API pt2c_status pt2c_program_optimize(pt2c_program *prog, const pt2c_optimize_options *opts,
                                           pt2c_error *err);

/* ---------------------------------------------------------------------------------------- */
/* Partitions (src/partition/): which backend runs which nodes, as ExecuTorch delegates    */
/* split a program. Backends: "x86" (the vector kernels: GEMM, convolution, attention,      */
/* norms, activations; float32, AVX2 or AVX-512) and "portable" (every op, plain C).        */

/* A text report: each partition's backend, node range, ops and why each op went there.
 * backends: "x86,portable" (the order asked), NULL for all. Free with pt2c_free. */
PT2C_API pt2c_status pt2c_program_partition(const pt2c_program *prog, const char *backends,
                                            char **report, size_t *report_len, pt2c_error *err);

/* Run a program partition by partition, each compiled by its backend. Fails naming the
 * first node no backend runs. Only for programs whose outputs are user tensors. */
typedef struct pt2c_partitioned pt2c_partitioned;
PT2C_API pt2c_status pt2c_partitioned_create(const pt2c_program *prog, const char *backends,
                                             int n_threads, pt2c_partitioned **out,
                                             pt2c_error *err);
PT2C_API size_t pt2c_partitioned_n_partitions(const pt2c_partitioned *p);
PT2C_API size_t pt2c_partitioned_n_outputs(const pt2c_partitioned *p);
/* inputs: the user inputs in signature order (borrowed for the call). */
PT2C_API pt2c_status pt2c_partitioned_run(pt2c_partitioned *p, const pt2c_tensor_info *inputs,
                                          size_t n_inputs, pt2c_error *err);
/* Output index of the last run (valid until the next run). */
PT2C_API pt2c_status pt2c_partitioned_output(const pt2c_partitioned *p, size_t index,
                                             pt2c_tensor_info *out, pt2c_error *err);
PT2C_API void pt2c_partitioned_destroy(pt2c_partitioned *p);

/* ---------------------------------------------------------------------------------------- */
/* Running a program on the CPU.                                                            */
/*                                                                                          */
/*     pt2c_runner *r;                                                                      */
/*     pt2c_runner_create(prog, NULL, &r, &err);          // every node bound to its kernel  */
/*     pt2c_runner_set_input(r, 0, &x, &err);             // borrowed until the run ends     */
/*     pt2c_runner_run(r, &err);                          // shapes checked, then kernels    */
/*     pt2c_runner_output(r, 0, &y, &err);                // valid until the next run        */
/*     pt2c_runner_destroy(r);                                                              */

typedef struct pt2c_runner pt2c_runner;

/* Which vector kernels run. AUTO: the PT2C_ISA environment variable when set ("generic",
 * "avx2", "avx512"), else the best the CPU has. Every choice gives bit-identical results:
 * each output element is computed by the same fused multiply-adds in the same order. */
typedef enum pt2c_isa {
    PT2C_ISA_AUTO = 0,
    PT2C_ISA_GENERIC, /* plain C (fmaf), any CPU */
    PT2C_ISA_AVX2,    /* x86-64 AVX2 + FMA */
    PT2C_ISA_AVX512   /* x86-64 AVX-512F (+ FMA) */
} pt2c_isa;

/* "generic", "avx2", "avx512" ("auto" for PT2C_ISA_AUTO). */
PT2C_API const char *pt2c_isa_name(pt2c_isa isa);

typedef struct pt2c_run_options {
    int n_threads; /* kernel threads, the caller included; 0: every online core */
    pt2c_isa isa;  /* PT2C_ISA_AUTO unless forced; a choice the CPU lacks is an error */
    int profile;   /* 1: time every node of every run (pt2c_runner_profile) */
    int no_fusion; /* 1: run every node as exported; 0: a convolution or matrix product also
                      does the batch norm, residual add and activation that follow it, and
                      chains of float32 elementwise ops run as one step each, reading
                      strided views in place */
    int no_views;  /* 1: copy the result of every strided view (permute, slice, select,
                      expand, split, ...); 0: views alias their input's bytes and are copied
                      only where a kernel needs them dense and they are not */
    int seed_set;  /* 1: seed the random ops' generator with seed; 0: with 67280421310721,
                      PyTorch's default seed (a process that never calls torch.manual_seed) */
    uint64_t seed; /* as torch.manual_seed(seed): rand, randn, ... of the first run match eager
                      PyTorch's after it; later runs of the runner continue the sequence */
} pt2c_run_options;

/* Bind every node to its op. Fails at the first node without a kernel; pt2c_program_check
 * lists them all. The program must outlive the runner. */
PT2C_API pt2c_status pt2c_runner_create(const pt2c_program *prog, const pt2c_run_options *opts,
                                        pt2c_runner **out, pt2c_error *err);
PT2C_API void pt2c_runner_destroy(pt2c_runner *runner);

/* User inputs and outputs, in signature order. */
PT2C_API size_t pt2c_runner_n_inputs(const pt2c_runner *runner);
PT2C_API size_t pt2c_runner_n_outputs(const pt2c_runner *runner);
/* What input i is expected to be: name, dtype and the exported sizes (a symbolic dim shows
 * its example value). storage is NULL. */
PT2C_API pt2c_status pt2c_runner_input_info(const pt2c_runner *runner, size_t index,
                                            pt2c_tensor_info *out, pt2c_error *err);
/* Give input i: a contiguous tensor (strides are ignored; they must be row-major) whose
 * dtype and rank must match; sizes are checked when the run plans shapes. The data is
 * borrowed until pt2c_runner_run returns and never written: where the program mutates a
 * user input in place (x.add_(1) in the training IR), the run works on a copy. Buffers the
 * program mutates keep their new values from run to run, as in the module. */
PT2C_API pt2c_status pt2c_runner_set_input(pt2c_runner *runner, size_t index,
                                           const pt2c_tensor_info *tensor, pt2c_error *err);
PT2C_API pt2c_status pt2c_runner_run(pt2c_runner *runner, pt2c_error *err);
/* Output i of the last run (contiguous; strides filled). Valid until the next run. */
PT2C_API pt2c_status pt2c_runner_output(const pt2c_runner *runner, size_t index,
                                        pt2c_tensor_info *out, pt2c_error *err);

/* Check that every node has a kernel and that shapes propagate for the exported input sizes.
 * Writes one line per problem ("node 12 'foo' (torch.ops.aten.foo.default): no kernel") to a
 * string owned by the caller (pt2c_free); *n_problems counts them. Returns PT2C_OK when the
 * check itself ran, whatever it found. */
PT2C_API pt2c_status pt2c_program_check(const pt2c_program *prog, char **report, size_t *report_len,
                                        size_t *n_problems, pt2c_error *err);

/* Read a NumPy .npy file (version 1-3, C order, little-endian or byte-order-free dtypes).
 * On success *buffer owns everything out points to; free it with pt2c_npy_free. */
PT2C_API pt2c_status pt2c_tensor_read_npy(const char *path, pt2c_tensor_info *out, void **buffer,
                                          pt2c_error *err);
PT2C_API void pt2c_npy_free(void *buffer);

/* What the runner has done: shape plans made from scratch (one per new input-size
 * signature) and answered from its cache (a size seen before: no planning at all). */
typedef struct pt2c_runner_stats {
    int64_t shape_plans;
    int64_t cache_hits;
    uint64_t activation_bytes;  /* intermediate tensors of the current plan, summed */
    uint64_t arena_bytes;       /* the one block they are placed in (reused by lifetime) */
    uint64_t scratch_bytes;     /* kernels' scratch, all threads */
    uint64_t packed_bytes;      /* weights repacked for the kernels at plan time */
    int n_threads;              /* threads the runner uses */
    pt2c_isa isa;               /* the kernels it runs */
    int64_t views;              /* strided view results that alias their input's bytes */
    int64_t view_copies;        /* strided view results copied (clone, or read dense by a
                                   kernel or the caller while not dense in their input) */
    int64_t elementwise_groups; /* steps running two or more fused elementwise ops */
    int64_t elementwise_ops;    /* the ops in those steps */
    int64_t strided_reads;      /* inputs elementwise steps read in place through a layout
                                   that is not dense (views not copied for them) */
} pt2c_runner_stats;
PT2C_API void pt2c_runner_get_stats(const pt2c_runner *runner, pt2c_runner_stats *out);

/* Plan for the inputs given so far (the exported sizes where none were given) without
 * running: afterwards pt2c_runner_get_stats reports the arena, scratch and packed weights
 * the runs will use. pt2c_runner_run plans by itself; this only moves the cost earlier.
 * Programs whose sizes depend on their data (nonzero, x[mask]) plan node by node as they
 * run: for them this does nothing. */
PT2C_API pt2c_status pt2c_runner_prepare(pt2c_runner *runner, pt2c_error *err);

/* Per-node timing, collected when the runner was made with opts.profile = 1. One entry per
 * step the runner executes, in execution order; a step that runs several fused nodes is
 * named after its first node and its op reads "aten.conv2d.default+aten.relu.default"
 * (unfused ones: the node's target, "torch.ops.aten.conv2d.default"). */
typedef struct pt2c_node_profile {
    const char *node; /* borrowed (runner lifetime): FX node name */
    const char *op;   /* borrowed (runner lifetime): op target(s) */
    int64_t runs;     /* runs timed since the last reset */
    double seconds;   /* wall time over those runs, barrier to barrier */
    double flop;      /* floating-point operations of one run (multiply-adds count 2); 0 for
                         ops that do not count them */
} pt2c_node_profile;

PT2C_API size_t pt2c_runner_n_profile(const pt2c_runner *runner);
PT2C_API pt2c_status pt2c_runner_profile(const pt2c_runner *runner, size_t index,
                                         pt2c_node_profile *out, pt2c_error *err);
PT2C_API void pt2c_runner_profile_reset(pt2c_runner *runner);

/* Per-node dtypes and shapes of the runner's current plan (shaping it for the inputs given
 * so far, or the exported sizes), like FakeTensor propagation: "name: op -> f32[1, 6]". */
PT2C_API pt2c_status pt2c_runner_describe(pt2c_runner *runner, char **out, size_t *out_len,
                                          pt2c_error *err);

#ifdef __cplusplus
}
#endif
#endif /* PT2C_H */
