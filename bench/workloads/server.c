// Bench workload: a tiny TCP server on 127.0.0.1:$PORT. A connection that sends "crash" makes it close
// its port and exit 1; SIGTERM makes it exit 0 (unless $IGNORE_TERM is set). Once its port accepts, and
// before exiting, it writes the CLOCK_MONOTONIC time in ns to $TIMES_DIR/$PS.<listen|crash|exit>, so the
// bench knows when it came up and when it ended.
// With $HTTP set it is instead a keep-alive HTTP/1.1 server (a thread per connection) answering every
// request with 200 and the body "$PS\n" (for the router bench); request bodies are not expected.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void record(const char *what) {
  const char *dir = getenv("TIMES_DIR");
  const char *ps = getenv("PS");
  if (!dir || !ps) return;
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  char path[4096], text[64];
  snprintf(path, sizeof path, "%s/%s.%s", dir, ps, what);
  int n = snprintf(text, sizeof text, "%lld\n", (long long)t.tv_sec * 1000000000LL + t.tv_nsec);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    if (write(fd, text, (size_t)n) < 0) _exit(4);
    close(fd);
  }
}

static void on_term(int sig) {
  (void)sig;
  record("exit");
  _exit(0);
}

static char http_response[256];
static size_t http_response_len;

/* One keep-alive connection: answers each request (ended by an empty line) until the client closes. */
static void *serve_http(void *arg) {
  int c = (int)(long)arg;
  char buf[8192];
  size_t have = 0;
  for (;;) {
    ssize_t n = read(c, buf + have, sizeof buf - 1 - have);
    if (n <= 0) break;
    have += (size_t)n;
    buf[have] = 0;
    char *end;
    while ((end = strstr(buf, "\r\n\r\n")) != NULL) {
      if (write(c, http_response, http_response_len) < 0) goto done;
      size_t used = (size_t)(end + 4 - buf);
      memmove(buf, buf + used, have - used);
      have -= used;
      buf[have] = 0;
    }
    if (have == sizeof buf - 1) break; /* a header block too large for this workload */
  }
done:
  close(c);
  return NULL;
}

int main(void) {
  int port = getenv("PORT") ? atoi(getenv("PORT")) : 0;
  if (getenv("IGNORE_TERM")) signal(SIGTERM, SIG_IGN);
  else signal(SIGTERM, on_term);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(s, 128) < 0) {
    perror("bind");
    return 2;
  }
  record("listen");
  printf("listening on %d\n", port);
  fflush(stdout);
  if (getenv("HTTP")) {
    const char *ps = getenv("PS") ? getenv("PS") : "server";
    http_response_len = (size_t)snprintf(http_response, sizeof http_response,
                                         "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s\n",
                                         strlen(ps) + 1, ps);
    for (;;) {
      int c = accept(s, NULL, NULL);
      if (c < 0) continue;
      pthread_t thread;
      if (pthread_create(&thread, NULL, serve_http, (void *)(long)c) != 0) close(c);
      else pthread_detach(thread);
    }
  }
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    char buf[16];
    ssize_t n = read(c, buf, sizeof buf);
    if (n >= 5 && memcmp(buf, "crash", 5) == 0) {
      close(s);
      record("crash");
      close(c);
      _exit(1);
    }
    close(c);
  }
}
