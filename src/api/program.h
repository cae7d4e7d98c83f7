/*
 * program.h - the inside of pt2c_program (opaque to API users): one arena for the IR and
 * copied payloads, the file mapping, the parsed ExportedProgram and its tensors.
 *
 * Lifetimes: everything below is owned by the program and freed by pt2c_program_close.
 * Tensor storages point into the mapping (zero-copy) or into the arena (copied, inflated or
 * byte-swapped bytes).
 */
#ifndef PT2C_PROGRAM_H
#define PT2C_PROGRAM_H

#include "ir/ir.h"
#include "util/util.h"

struct pt2c_program {
    const pt2c_allocator *allocator; /* borrowed */
    pt2c_limits limits;              /* resolved */
    pt2c_arena arena;                /* owns all IR and copies */
    pt2c_mapped_file file;           /* owned mapping of the .pt2, or the caller's bytes */
    bool file_borrowed;              /* file holds the caller's bytes (open_memory) */
    const char *path;                /* as given to pt2c_program_open */

    pt2c_archive_layout layout;
    const char *archive_root;    /* PT2: "model/"-style root folder with the slash; "" legacy */
    const char *archive_version; /* PT2: text of archive_version, nullable */
    const char *model_name;      /* PT2: "model"; legacy: NULL */
    const char *model_entry;     /* the entry holding the program JSON */
    const char *byteorder;       /* nullable: "little" / "big" */

    pt2c_exported_program ep;

    pt2c_tensor_data *state_dict; /* n_state_dict, in file order */
    int64_t n_state_dict;
    pt2c_tensor_data *constants; /* n_constants, in file order */
    int64_t n_constants;
    pt2c_opaque_object *opaque; /* n_opaque: custom objects, subclasses */
    int64_t n_opaque;
    pt2c_tensor_data *sample_inputs; /* n_sample_inputs: flattened args then kwargs */
    int64_t n_sample_inputs;
    bool has_sample_inputs; /* the archive held (args, kwargs) */
    pt2c_kv *extra_files;   /* n_extra_files: name -> UTF-8 text */
    int64_t n_extra_files;
};

/* Load the archive's contents into prog (the mapping is already in prog->file). */
pt2c_status pt2c_pt2_load(pt2c_program *prog, const char *model_name, pt2c_error *err);
/* Write the program as it is now as a PT2 archive at path (format/pt2_write.c). */
pt2c_status pt2c_pt2_save(const pt2c_program *prog, const char *path, pt2c_error *err);

#endif /* PT2C_PROGRAM_H */
