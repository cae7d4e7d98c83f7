/*
 * partition.h - what the rest of the library asks the partitioner (partition.c); the
 * public side is pt2c_program_partition and pt2c_partitioned_* in pt2c.h.
 */
#ifndef PT2C_PARTITION_H
#define PT2C_PARTITION_H

#include "api/program.h"

/* Per node of the top-level graph: the name of the backend that runs it (NULL: none) and
 * its partition index, with every backend in the default order (arena arrays). */
pt2c_status pt2c_partition_owners(const pt2c_program *prog, pt2c_arena *arena,
                                  const char ***backend_of_node, int64_t **part_of_node,
                                  pt2c_error *err);

#endif /* PT2C_PARTITION_H */
