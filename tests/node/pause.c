// The node tests' Pod sandbox ("pause") image: holds a Pod's namespaces open
// and does nothing else. As PID 1 of a Pod that shares its process namespace
// it also reaps orphaned children. Exits 0 on SIGTERM or SIGINT.
// Built with `gcc -static` by scripts/image.sh; no registry needed.
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void OnTerm(int sig) {
  (void)sig;
  _exit(0);
}

static void OnChild(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(int argc, char** argv) {
  if (argc > 1 && argv[1][0] == '-' && argv[1][1] == 'v') {
    puts("sealsync pause 1");
    return 0;
  }
  struct sigaction term = {.sa_handler = OnTerm};
  struct sigaction child = {.sa_handler = OnChild, .sa_flags = SA_NOCLDSTOP};
  if (sigaction(SIGTERM, &term, NULL) != 0 ||
      sigaction(SIGINT, &term, NULL) != 0 ||
      sigaction(SIGCHLD, &child, NULL) != 0) {
    perror("pause: sigaction");
    return 1;
  }
  for (;;) pause();
}
