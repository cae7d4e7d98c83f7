/*
 * util.h - small building blocks shared by every module: errors, arenas, growable strings,
 * string-keyed hash maps and read-only file mappings.
 *
 * Example:
 *     pt2c_arena arena;
 *     pt2c_arena_init(&arena, pt2c_default_allocator());
 *     char *name = pt2c_arena_strdup(&arena, "conv.weight");
 *     ...
 *     pt2c_arena_deinit(&arena);   // frees every block at once
 */
#ifndef PT2C_UTIL_H
#define PT2C_UTIL_H

#include "pt2c.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------------------------------- */
/* Errors                                                                                   */

#if defined(__GNUC__)
#define PT2C_PRINTF(fmt_index, args_index) __attribute__((format(printf, fmt_index, args_index)))
#else
#define PT2C_PRINTF(fmt_index, args_index)
#endif

/* Record a failure unless one is already recorded (the first error wins). Returns code.
 * err may be NULL. The message is "fmt" formatted; it should name the phase first. */
pt2c_status pt2c_error_set(pt2c_error *err, pt2c_status code, const char *fmt, ...)
    PT2C_PRINTF(3, 4);
pt2c_status pt2c_error_setv(pt2c_error *err, pt2c_status code, const char *fmt, va_list ap);
/* Attach a node to the recorded error if it has none yet. */
void pt2c_error_set_node(pt2c_error *err, int64_t node_index, const char *node_name,
                         const char *op);
/* Prefix the recorded message with "prefix: " (used to add the entry or file context). */
void pt2c_error_prefix(pt2c_error *err, const char *fmt, ...) PT2C_PRINTF(2, 3);

/* Return code with a message when cond is false. */
#define PT2C_CHECK(cond, err, code, ...)                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return pt2c_error_set((err), (code), __VA_ARGS__);                                     \
    } while (0)

/* Propagate a failure. */
#define PT2C_TRY(expr)                                                                             \
    do {                                                                                           \
        pt2c_status pt2c_try_status_ = (expr);                                                     \
        if (pt2c_try_status_ != PT2C_OK)                                                           \
            return pt2c_try_status_;                                                               \
    } while (0)

/* Internal invariants only (never for checking input files). */
#ifdef NDEBUG
#define PT2C_ASSERT(cond) ((void)0)
#else
#include <assert.h>
#define PT2C_ASSERT(cond) assert(cond)
#endif

/* ---------------------------------------------------------------------------------------- */
/* Allocation                                                                               */

void *pt2c_alloc(const pt2c_allocator *a, size_t size);
void *pt2c_realloc(const pt2c_allocator *a, void *ptr, size_t old_size, size_t new_size);
void pt2c_dealloc(const pt2c_allocator *a, void *ptr, size_t size);

/* Overflow-safe size arithmetic: return false on overflow. */
/* Python's // and % on int64 (floor toward -inf; the remainder takes the divisor's sign),
 * defined everywhere: x // 0 is 0 and x % 0 is x (PyTorch raises; kernels cannot), and
 * INT64_MIN // -1 wraps instead of trapping. */
static inline int64_t pt2c_floordiv_i64(int64_t a, int64_t b) {
    if (b == 0)
        return 0;
    if (b == -1)
        return (int64_t)(0 - (uint64_t)a);
    int64_t q = a / b;
    if (a % b != 0 && (a < 0) != (b < 0))
        q--;
    return q;
}

static inline int64_t pt2c_mod_i64(int64_t a, int64_t b) {
    if (b == 0)
        return a;
    if (b == -1)
        return 0;
    int64_t r = a % b;
    return (r != 0 && (r < 0) != (b < 0)) ? r + b : r;
}

/* double -> int64 without undefined behaviour: truncates toward zero, NaN gives 0, values
 * beyond the range saturate (a C cast of inf or 1e30 is undefined). */
static inline int64_t pt2c_f64_to_i64(double v) {
    if (v != v)
        return 0;
    if (v >= 9223372036854775807.0)
        return INT64_MAX;
    if (v <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)v;
}
bool pt2c_mul_u64(uint64_t a, uint64_t b, uint64_t *out);
bool pt2c_add_u64(uint64_t a, uint64_t b, uint64_t *out);

/* ---------------------------------------------------------------------------------------- */
/* Arena: bump allocation in blocks, freed all at once. Used for everything that lives as   */
/* long as a program (IR, names, copied payloads).                                           */

typedef struct pt2c_arena_block pt2c_arena_block;

typedef struct pt2c_arena {
    const pt2c_allocator *allocator; /* borrowed */
    pt2c_arena_block *head;          /* owned, newest block first */
    size_t used;                     /* bytes used in head */
    size_t total;                    /* bytes in all blocks, for reports */
} pt2c_arena;

void pt2c_arena_init(pt2c_arena *arena, const pt2c_allocator *allocator);
void pt2c_arena_deinit(pt2c_arena *arena);
/* Zeroed memory aligned to align (a power of two <= 64); NULL on out-of-memory. */
void *pt2c_arena_alloc(pt2c_arena *arena, size_t size, size_t align);
/* The same without zeroing, for large buffers the caller fills whole (packed weights):
 * zeroing hundreds of megabytes first would double the work. */
void *pt2c_arena_alloc_uninit(pt2c_arena *arena, size_t size, size_t align);
/* A block of its own, aligned to 2 MiB and given to Linux's transparent huge pages
 * (zeroed when zero): the buffers kernels stream through on every run (activations,
 * scratch, packed weights). Physically contiguous 2 MiB pages keep the GEMM's packed
 * blocks free of the cache-set conflicts that scattered 4 KiB pages cause (measured: a
 * 512^3 product ran at 52-76 GFLOP/s from run to run on 4 KiB pages, 77-80 on huge ones),
 * and cut TLB misses and page faults. */
void *pt2c_arena_alloc_huge(pt2c_arena *arena, size_t size, bool zero);
/* Zeroed array of n elements of size each; NULL on overflow or out-of-memory. */
void *pt2c_arena_array(pt2c_arena *arena, size_t n, size_t size, size_t align);
/* Room for one more element in an arena array of n used of *cap: items when there is, else a
 * new array of twice the size (at least min_cap) with the n elements copied over (the old
 * one stays in the arena until it goes). NULL on overflow or out-of-memory. */
void *pt2c_arena_grow(pt2c_arena *arena, void *items, int64_t n, int64_t *cap, size_t size,
                      size_t align, int64_t min_cap);
/* True when items (an lvalue, re-pointed) has room for element n. */
#define PT2C_ARENA_RESERVE(arena, items, n, cap, min_cap)                                          \
    (((items) = pt2c_arena_grow((arena), (items), (n), &(cap), sizeof *(items),                    \
                                _Alignof(max_align_t), (min_cap))) != NULL)
char *pt2c_arena_strdup(pt2c_arena *arena, const char *s);
char *pt2c_arena_strndup(pt2c_arena *arena, const char *s, size_t n);
char *pt2c_arena_sprintf(pt2c_arena *arena, const char *fmt, ...) PT2C_PRINTF(2, 3);

#define PT2C_ARENA_NEW(arena, type)                                                                \
    ((type *)pt2c_arena_alloc((arena), sizeof(type), _Alignof(type)))
#define PT2C_ARENA_ARRAY(arena, type, n)                                                           \
    ((type *)pt2c_arena_array((arena), (size_t)(n), sizeof(type), _Alignof(type)))

/* ---------------------------------------------------------------------------------------- */
/* Growable string. Out-of-memory is sticky: later appends do nothing, finish reports it.   */

typedef struct pt2c_strbuf {
    const pt2c_allocator *allocator; /* borrowed */
    char *data;                      /* owned, NUL-terminated when non-NULL */
    size_t len;                      /* bytes used, excluding the NUL */
    size_t cap;                      /* bytes allocated */
    bool failed;                     /* an allocation failed */
} pt2c_strbuf;

void pt2c_strbuf_init(pt2c_strbuf *sb, const pt2c_allocator *allocator);
void pt2c_strbuf_deinit(pt2c_strbuf *sb);
void pt2c_strbuf_append(pt2c_strbuf *sb, const char *s, size_t n);
void pt2c_strbuf_puts(pt2c_strbuf *sb, const char *s);
void pt2c_strbuf_putc(pt2c_strbuf *sb, char c);
void pt2c_strbuf_printf(pt2c_strbuf *sb, const char *fmt, ...) PT2C_PRINTF(2, 3);
void pt2c_strbuf_vprintf(pt2c_strbuf *sb, const char *fmt, va_list ap);
/* Hand the buffer to the caller (allocated with sb's allocator, size len + 1). */
pt2c_status pt2c_strbuf_finish(pt2c_strbuf *sb, char **out, size_t *out_len, pt2c_error *err);

/* ---------------------------------------------------------------------------------------- */
/* String -> int64 hash map, open addressing, memory in an arena. Keys are borrowed.        */

typedef struct pt2c_strmap {
    pt2c_arena *arena; /* borrowed */
    const char **keys; /* cap entries, NULL = empty */
    int64_t *values;   /* cap entries */
    size_t n;          /* live entries */
    size_t cap;        /* power of two or 0 */
} pt2c_strmap;

void pt2c_strmap_init(pt2c_strmap *map, pt2c_arena *arena);
/* Insert or replace. Returns PT2C_ERR_NOMEM on failure. */
pt2c_status pt2c_strmap_put(pt2c_strmap *map, const char *key, int64_t value);
/* Value for key, or false if absent. */
bool pt2c_strmap_get(const pt2c_strmap *map, const char *key, int64_t *value);
uint64_t pt2c_hash_string(const char *s);

/* ---------------------------------------------------------------------------------------- */
/* Read-only file mapping.                                                                  */

typedef struct pt2c_mapped_file {
    const uint8_t *data; /* owned mapping, NULL for an empty file */
    size_t size;         /* bytes */
} pt2c_mapped_file;

pt2c_status pt2c_file_map(const char *path, pt2c_mapped_file *out, pt2c_error *err);
void pt2c_file_unmap(pt2c_mapped_file *file);
/* The pages wholly inside [p, p + bytes), a part of the mapping, are not needed for now:
 * the process drops them (they come back from the file if read again). A weight packed
 * for the kernels no longer needs its mapped bytes in memory: resident size counts it once.
 * Advice only; nothing happens outside the mapping. */
void pt2c_file_release(const pt2c_mapped_file *file, const void *p, size_t bytes);

/* Write bytes to path atomically: "<path>.tmp.<pid>" in the same directory, fsync, rename.
 * On failure the target is untouched and the temporary removed. */
pt2c_status pt2c_file_write_atomic(const char *path, const void *const *chunks,
                                   const size_t *chunk_sizes, size_t n_chunks, pt2c_error *err);

/* Format a double the way Python's repr() does (shortest round-trip, "1e-05", "0.5",
 * "inf", "nan", "2.0"). buf needs 32 bytes. */
void pt2c_format_py_float(double value, char *buf, size_t buf_size);

#endif /* PT2C_UTIL_H */
