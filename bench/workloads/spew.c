// Bench workload: prints 80-byte numbered lines for $SECONDS seconds, flat out or at $RATE lines/s.
// Each line is checkable on its own: "P<id> <12-digit seq> <62 letters from seq>\n", seq counting from 0.
// Writes "<start_ns> <end_ns> <lines>" (CLOCK_MONOTONIC) to $TIMES_DIR/<id> when done.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE 80
#define BATCH 819 /* lines per write when flat out: 65520 bytes, one pipe's worth */

static const char letters[] = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz";

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void fill(char *p, int id, unsigned long long seq) {
  p[0] = 'P';
  p[1] = (char)('0' + id / 10 % 10);
  p[2] = (char)('0' + id % 10);
  p[3] = ' ';
  unsigned long long s = seq;
  for (int i = 15; i >= 4; i--) {
    p[i] = (char)('0' + s % 10);
    s /= 10;
  }
  p[16] = ' ';
  memcpy(p + 17, letters + seq % 26, 62);
  p[79] = '\n';
}

static void write_all(const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      exit(3);
    }
    p += w;
    n -= (size_t)w;
  }
}

int main(void) {
  /* The id: $PS_ID, or the instance number of $PS ("spew.3" -> 3) under a process manager. */
  const char *ps = getenv("PS_ID");
  const char *name = getenv("PS");
  const char *dot = name ? strrchr(name, '.') : NULL;
  int id = ps ? atoi(ps) : dot ? atoi(dot + 1) : 0;
  double seconds = getenv("SECONDS_TO_RUN") ? atof(getenv("SECONDS_TO_RUN")) : 3;
  double rate = getenv("RATE") ? atof(getenv("RATE")) : 0;
  static char buf[BATCH * LINE];
  unsigned long long seq = 0;
  long long start = now_ns();
  long long stop = start + (long long)(seconds * 1e9);
  long long now = start;
  if (rate <= 0) {
    while (now < stop) {
      for (int i = 0; i < BATCH; i++) fill(buf + i * LINE, id, seq++);
      write_all(buf, sizeof buf);
      now = now_ns();
    }
  } else {
    struct timespec tick;
    clock_gettime(CLOCK_MONOTONIC, &tick);
    while (now < stop) {
      unsigned long long due = (unsigned long long)((double)(now - start) * rate / 1e9);
      int n = 0;
      while (seq < due && n < BATCH) fill(buf + (n++) * LINE, id, seq++);
      if (n > 0) write_all(buf, (size_t)n * LINE);
      tick.tv_nsec += 1000000; /* one write per millisecond */
      if (tick.tv_nsec >= 1000000000) {
        tick.tv_sec++;
        tick.tv_nsec -= 1000000000;
      }
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
      now = now_ns();
    }
  }
  long long end = now_ns();
  const char *dir = getenv("TIMES_DIR");
  if (dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%d", dir, id);
    FILE *f = fopen(path, "w");
    if (f) {
      fprintf(f, "%lld %lld %llu\n", start, end, seq);
      fclose(f);
    }
  }
  return 0;
}
