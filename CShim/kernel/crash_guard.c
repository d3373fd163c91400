// SPDX-License-Identifier: GPL-2.0-only
/*
 * Crash and hang reporting for the process that runs kernel code.  A fatal
 * signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) or the per-scenario alarm
 * writes one line "<tag> <context> <signal>" to a file descriptor and ends
 * the process: what was being run is never lost, and the caller (a campaign
 * parent, or the user of `hotremove run`) learns where it died.  Only
 * async-signal-safe calls in the handler.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "CShim.h"

/* per thread: a fault is delivered to the thread that ran the code (campaigns without isolation) */
static _Thread_local char context[512] = "-";
static int report_fd = 2;
static int exit_code = 70;
static char alt_stack[1 << 16];

static void put(const char *s) { (void)!write(report_fd, s, strlen(s)); }

static void on_fatal(int sig)
{
	const char *name = sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : sig == SIGILL ? "SIGILL"
			 : sig == SIGFPE ? "SIGFPE" : sig == SIGABRT ? "SIGABRT" : sig == SIGALRM ? "TIMEOUT" : "SIGNAL";

	put(sig == SIGALRM ? "HANG " : "CRASH ");
	put(context);
	put(" ");
	put(name);
	put("\n");
	_exit(exit_code);
}

void hr_crash_guard_install(int fd, int code)
{
	struct sigaction sa;
	stack_t ss = { .ss_sp = alt_stack, .ss_size = sizeof(alt_stack), .ss_flags = 0 };
	int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGALRM };

	sigset_t none;

	/* a process spawned from a dispatch thread inherits its blocked signals */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	report_fd = fd;
	exit_code = code;
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

void hr_crash_context_set(const char *text)
{
	size_t n = strlen(text);

	if (n >= sizeof(context))
		n = sizeof(context) - 1;
	memcpy(context, text, n);
	context[n] = 0;
}

void hr_crash_alarm(unsigned seconds) { alarm(seconds); }
