/* peak_rss.c: run a command and write its own peak RSS and CPU time, for bench/compare.py.
 *
 *     cc -O2 bench/peak_rss.c -o peak_rss && ./peak_rss RESULT_FILE COMMAND [ARGS...]
 *
 * Why not os.wait4 from Python directly: Linux carries the parent's RSS high-water mark into
 * a child through fork/vfork + exec (exec_mmap folds the old mm's hiwater into the child's
 * maxrss), so every child of a Python that has imported torch reports at least ~400 MiB,
 * even `pt2c version`. This launcher is tiny, so the child it forks starts from ~1 MiB and
 * ru_maxrss is the command's own peak, as with /usr/bin/time -v.
 *
 * It writes "peak_rss_kib N" and "cpu_s S" (user + system seconds of the command and its
 * waited-for children; compare.py subtracts it from the machine's busy time to see how much
 * CPU other processes took during a measurement) to RESULT_FILE, and exits with the
 * command's exit status (or 128 + the signal that ended it). stdin, stdout and stderr pass
 * through unchanged.
 */
#define _DEFAULT_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: peak_rss RESULT_FILE COMMAND [ARGS...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("peak_rss: fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror("peak_rss: exec");
        _exit(127);
    }
    int status = 0;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) < 0) {
        perror("peak_rss: wait4");
        return 2;
    }
    FILE *f = fopen(argv[1], "w");
    if (!f) {
        perror("peak_rss: result file");
        return 2;
    }
    fprintf(f, "peak_rss_kib %ld\n", usage.ru_maxrss);
    fprintf(f, "cpu_s %.6f\n",
            (double)usage.ru_utime.tv_sec + 1e-6 * (double)usage.ru_utime.tv_usec +
                (double)usage.ru_stime.tv_sec + 1e-6 * (double)usage.ru_stime.tv_usec);
    fclose(f);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
