/*
 * backend.h - what a backend is to the partitioner, in the manner of ExecuTorch's
 * delegates: it says which nodes it takes (and why, or why not), compiles the sub-program of
 * one partition, and runs it.
 *
 *   portable   every op pt2c has a kernel for, in plain C (PT2C_ISA_GENERIC): any CPU
 *   x86        the ops whose kernels use the vector table (GEMM tiles, convolution,
 *              attention, softmax, norms, activations, pooling) on float32, when the CPU
 *              has AVX2 or AVX-512
 *
 * Nodes that move no data (views pt2c aliases, symbolic sizes, assertions) belong to no
 * backend: they follow their neighbours' partition. The generated-C backend (issue 12)
 * will be one more row.
 *
 * Example (the partitioner's use):
 *     const pt2c_backend *b = pt2c_backend_find("x86");
 *     const char *why;
 *     if (b->supports(b, prog, node, &why)) ...        // why: "packed GEMM (avx2)"
 *     void *state;
 *     b->compile(b, sub, threads, &state, &err);       // sub: the partition's program
 *     b->execute(state, inputs, n, &err);              // then b->output(state, k, &t)
 *     b->destroy(state);
 */
#ifndef PT2C_BACKEND_H
#define PT2C_BACKEND_H

#include "api/program.h"

typedef struct pt2c_backend pt2c_backend;

struct pt2c_backend {
    const char *name;    /* "x86" */
    const char *summary; /* one line */
    /* Does the backend run this node? *why: a short reason either way (static text). */
    bool (*supports)(const pt2c_backend *self, const pt2c_program *prog, const pt2c_node *node,
                     const char **why);
    /* Prepare the sub-program of one partition (borrowed until destroy) with n_threads. */
    pt2c_status (*compile)(const pt2c_backend *self, const pt2c_program *sub, int n_threads,
                           void **state, pt2c_error *err);
    /* Run it on its user inputs (sub's USER_INPUT order, borrowed for the call). */
    pt2c_status (*execute)(void *state, const pt2c_tensor_info *inputs, size_t n_inputs,
                           pt2c_error *err);
    /* Output k of the last execute (valid until the next execute). */
    pt2c_status (*output)(void *state, size_t k, pt2c_tensor_info *out, pt2c_error *err);
    void (*destroy)(void *state);
};

/* The backends, in the order the partitioner asks them (the first that takes a node gets
 * it), and one by name (NULL if unknown). */
const pt2c_backend *const *pt2c_backends(size_t *n);
const pt2c_backend *pt2c_backend_find(const char *name, size_t len);
/* True for nodes that move no data and join a neighbour's partition. */
bool pt2c_backend_node_follows(const pt2c_node *node);

#endif /* PT2C_BACKEND_H */
