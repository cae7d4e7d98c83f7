/* file.c - read-only mappings of input files and atomic writes of output files. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

pt2c_status pt2c_file_map(const char *path, pt2c_mapped_file *out, pt2c_error *err) {
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pt2c_error_set(err, PT2C_ERR_IO, "io: cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return pt2c_error_set(err, PT2C_ERR_IO, "io: cannot stat: %s", strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return pt2c_error_set(err, PT2C_ERR_IO, "io: not a regular file");
    }
    if (st.st_size == 0) {
        close(fd);
        return PT2C_OK;
    }
    if ((uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        return pt2c_error_set(err, PT2C_ERR_LIMIT, "io: file too large to map");
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED)
        return pt2c_error_set(err, PT2C_ERR_IO, "io: cannot map: %s", strerror(e));
    out->data = p;
    out->size = (size_t)st.st_size;
    return PT2C_OK;
}

void pt2c_file_unmap(pt2c_mapped_file *file) {
    if (file->data)
        munmap((void *)(uintptr_t)file->data, file->size);
    file->data = NULL;
    file->size = 0;
}

pt2c_status pt2c_file_write_atomic(const char *path, const void *const *chunks,
                                   const size_t *chunk_sizes, size_t n_chunks, pt2c_error *err) {
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return pt2c_error_set(err, PT2C_ERR_IO, "io: %s: path too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return pt2c_error_set(err, PT2C_ERR_IO, "io: %s: cannot create: %s", tmp, strerror(errno));
    for (size_t c = 0; c < n_chunks; c++) {
        const uint8_t *p = chunks[c];
        size_t left = chunk_sizes[c];
        while (left > 0) {
            ssize_t w = write(fd, p, left);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                int e = errno;
                close(fd);
                unlink(tmp);
                return pt2c_error_set(err, PT2C_ERR_IO, "io: %s: write failed: %s", tmp,
                                      strerror(e));
            }
            p += w;
            left -= (size_t)w;
        }
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        return pt2c_error_set(err, PT2C_ERR_IO, "io: %s: cannot flush: %s", tmp, strerror(e));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return pt2c_error_set(err, PT2C_ERR_IO, "io: %s: cannot rename into place: %s", path,
                              strerror(e));
    }
    return PT2C_OK;
}

void pt2c_file_release(const pt2c_mapped_file *file, const void *p, size_t bytes) {
    const uint8_t *lo = p, *hi = lo + bytes;
    if (!file->data || lo < file->data || hi > file->data + file->size || bytes == 0)
        return;
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        return;
    uintptr_t start = ((uintptr_t)lo + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
    uintptr_t end = (uintptr_t)hi & ~((uintptr_t)page - 1);
    if (end > start)
        (void)madvise((void *)start, end - start, MADV_DONTNEED); /* glibc's posix_madvise
                                                                     ignores DONTNEED */
}
