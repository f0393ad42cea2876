package io.sluice.format;

/**
 * A change of a stream's sampling rate, announced in-band before the first row it applies
 * to: from the row after {@code key} (the key of the last row sent, null before any) on,
 * one row in {@code rate} is sent, the {@code rate}-th, 2×{@code rate}-th, ... after it.
 * {@code after} is the resume token after that row.
 */
public record SamplingChange(int rate, String after, Object[] key) {}
