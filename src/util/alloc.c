/* alloc.c - the allocator hook, overflow-safe arithmetic and the arena. */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

static void *default_alloc(void *ctx, size_t size) {
    (void)ctx;
    return malloc(size ? size : 1);
}

static void *default_realloc(void *ctx, void *ptr, size_t old_size, size_t new_size) {
    (void)ctx;
    (void)old_size;
    return realloc(ptr, new_size ? new_size : 1);
}

static void default_free(void *ctx, void *ptr, size_t size) {
    (void)ctx;
    (void)size;
    free(ptr);
}

static const pt2c_allocator default_allocator = {default_alloc, default_realloc, default_free,
                                                 NULL};

const pt2c_allocator *pt2c_default_allocator(void) { return &default_allocator; }

void *pt2c_alloc(const pt2c_allocator *a, size_t size) {
    if (!a)
        a = &default_allocator;
    return a->alloc(a->ctx, size);
}

void *pt2c_realloc(const pt2c_allocator *a, void *ptr, size_t old_size, size_t new_size) {
    if (!a)
        a = &default_allocator;
    return a->realloc(a->ctx, ptr, old_size, new_size);
}

void pt2c_dealloc(const pt2c_allocator *a, void *ptr, size_t size) {
    if (!ptr)
        return;
    if (!a)
        a = &default_allocator;
    a->free(a->ctx, ptr, size);
}

bool pt2c_mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
    if (a != 0 && b > UINT64_MAX / a)
        return false;
    *out = a * b;
    return true;
}

bool pt2c_add_u64(uint64_t a, uint64_t b, uint64_t *out) {
    if (b > UINT64_MAX - a)
        return false;
    *out = a + b;
    return true;
}

/* ---------------------------------------------------------------------------------------- */
/* Arena                                                                                    */

struct pt2c_arena_block {
    pt2c_arena_block *next; /* older block */
    size_t size;            /* usable bytes at data */
    uint8_t *data;          /* inside this allocation, 64-byte aligned */
};

/* Header plus slack so that data can be aligned to 64 whatever malloc returns. */
enum { ARENA_HEADER = sizeof(pt2c_arena_block) + 64, ARENA_MIN_BLOCK = 64 * 1024 };

void pt2c_arena_init(pt2c_arena *arena, const pt2c_allocator *allocator) {
    memset(arena, 0, sizeof *arena);
    arena->allocator = allocator ? allocator : pt2c_default_allocator();
}

void pt2c_arena_deinit(pt2c_arena *arena) {
    pt2c_arena_block *b = arena->head;
    while (b) {
        pt2c_arena_block *next = b->next;
        pt2c_dealloc(arena->allocator, b, ARENA_HEADER + b->size);
        b = next;
    }
    arena->head = NULL;
    arena->used = 0;
    arena->total = 0;
}

static uint8_t *block_data(pt2c_arena_block *b) { return b->data; }

/* Blocks of several megabytes (packed weights, the activation arena) ask Linux for 2 MiB
 * pages: 512 times fewer page faults when they are first written, and fewer TLB misses
 * when a GEMM streams its weights on every run. Advice only: a failure changes nothing. */
static void advise_huge_pages(void *p, size_t size) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    enum { HUGE = 2 << 20 };
    if (size < (size_t)HUGE)
        return;
    uintptr_t start = ((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
    uintptr_t end = ((uintptr_t)p + size) & ~(uintptr_t)(HUGE - 1);
    if (end > start)
        (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
    (void)p;
    (void)size;
#endif
}

static void *arena_take(pt2c_arena *arena, size_t size, size_t align) {
    if (align == 0 || align > 64 || (align & (align - 1)))
        align = 64;
    if (size == 0)
        size = 1;
    if (arena->head) {
        size_t start = (arena->used + align - 1) & ~(align - 1);
        if (start <= arena->head->size && size <= arena->head->size - start) {
            arena->used = start + size;
            return block_data(arena->head) + start;
        }
    }
    if (size > SIZE_MAX - ARENA_HEADER - 64)
        return NULL;
    size_t block_size = size < ARENA_MIN_BLOCK ? ARENA_MIN_BLOCK : size;
    pt2c_arena_block *b = pt2c_alloc(arena->allocator, ARENA_HEADER + block_size);
    if (!b)
        return NULL;
    advise_huge_pages(b, ARENA_HEADER + block_size);
    b->next = arena->head;
    b->size = block_size;
    uintptr_t first = (uintptr_t)(b + 1);
    b->data = (uint8_t *)((first + 63) & ~(uintptr_t)63);
    arena->head = b;
    arena->total += block_size;
    arena->used = size;
    return block_data(b);
}

void *pt2c_arena_alloc(pt2c_arena *arena, size_t size, size_t align) {
    void *p = arena_take(arena, size, align);
    if (p)
        memset(p, 0, size ? size : 1);
    return p;
}

void *pt2c_arena_alloc_uninit(pt2c_arena *arena, size_t size, size_t align) {
    return arena_take(arena, size, align);
}

void *pt2c_arena_alloc_huge(pt2c_arena *arena, size_t size, bool zero) {
    enum { HUGE = 2 << 20 };
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX / 2 - ARENA_HEADER - 2 * (size_t)HUGE)
        return NULL;
    size_t rounded = (size + HUGE - 1) / HUGE * (size_t)HUGE;
    size_t block_size = rounded + HUGE; /* slack to align the start */
    pt2c_arena_block *b = pt2c_alloc(arena->allocator, ARENA_HEADER + block_size);
    if (!b)
        return NULL;
    uintptr_t first = (uintptr_t)(b + 1);
    uint8_t *data = (uint8_t *)((first + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
    advise_huge_pages(data, rounded);
    /* Linked behind the head, used up: later small allocations go elsewhere. */
    b->size = block_size;
    b->data = data;
    if (arena->head) {
        b->next = arena->head->next;
        arena->head->next = b;
    } else {
        b->next = NULL;
        arena->head = b;
        arena->used = block_size;
    }
    arena->total += block_size;
    if (zero)
        memset(data, 0, size);
    return data;
}

void *pt2c_arena_array(pt2c_arena *arena, size_t n, size_t size, size_t align) {
    uint64_t bytes;
    if (!pt2c_mul_u64(n, size, &bytes) || bytes > SIZE_MAX)
        return NULL;
    return pt2c_arena_alloc(arena, (size_t)bytes, align);
}

void *pt2c_arena_grow(pt2c_arena *arena, void *items, int64_t n, int64_t *cap, size_t size,
                      size_t align, int64_t min_cap) {
    if (n < *cap)
        return items;
    if (*cap > INT64_MAX / 4)
        return NULL;
    int64_t want = *cap > 0 ? 2 * *cap : min_cap;
    if (want < min_cap)
        want = min_cap;
    if (want <= n)
        return NULL;
    void *grown = pt2c_arena_array(arena, (size_t)want, size, align);
    if (!grown)
        return NULL;
    if (n > 0)
        memcpy(grown, items, size * (size_t)n);
    *cap = want;
    return grown;
}

char *pt2c_arena_strndup(pt2c_arena *arena, const char *s, size_t n) {
    if (n == SIZE_MAX)
        return NULL;
    char *p = pt2c_arena_alloc(arena, n + 1, 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *pt2c_arena_strdup(pt2c_arena *arena, const char *s) {
    return pt2c_arena_strndup(arena, s ? s : "", s ? strlen(s) : 0);
}

char *pt2c_arena_sprintf(pt2c_arena *arena, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = pt2c_arena_alloc(arena, (size_t)n + 1, 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
