/*
 * views.h - text renderings of a loaded program, each matching what PyTorch prints for the
 * same ExportedProgram (so tests can compare byte for byte).
 *
 *   fx_print.c     READABLE (print_readable), GRAPH (str(graph)), CODE (graph_module.code)
 *   signature.c    SIGNATURE (str(ep.graph_signature))
 *   tensors.c      STATE_DICT, CONSTANTS (name, dtype, shape, bytes, first values)
 *   ranges.c       RANGE_CONSTRAINTS
 *   json_dump.c    JSON (everything, machine readable)
 *   summary.c      SUMMARY
 *   dot.c          DOT (a Graphviz digraph of the FX graph: not a PyTorch printout)
 */
#ifndef PT2C_VIEWS_H
#define PT2C_VIEWS_H

#include "api/program.h"

pt2c_status pt2c_view_fx(const pt2c_program *prog, pt2c_view view, pt2c_strbuf *sb,
                         pt2c_error *err);
pt2c_status pt2c_view_signature(const pt2c_program *prog, pt2c_strbuf *sb, pt2c_error *err);
pt2c_status pt2c_view_tensors(const pt2c_program *prog, pt2c_tensor_set set, pt2c_strbuf *sb,
                              pt2c_error *err);
pt2c_status pt2c_view_range_constraints(const pt2c_program *prog, pt2c_strbuf *sb, pt2c_error *err);
pt2c_status pt2c_view_json(const pt2c_program *prog, pt2c_strbuf *sb, pt2c_error *err);
pt2c_status pt2c_view_summary(const pt2c_program *prog, pt2c_strbuf *sb, pt2c_error *err);
pt2c_status pt2c_view_dot(const pt2c_program *prog, pt2c_strbuf *sb, pt2c_error *err);

#endif /* PT2C_VIEWS_H */
