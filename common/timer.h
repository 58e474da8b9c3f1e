/* timer.h - monotonic wall-clock time for the timing metrics. */
#ifndef TIMER_H
#define TIMER_H

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
double tb_now(void);

/* Median of n values; reorders v. n must be > 0. */
double tb_median(double *v, int n);

#endif
