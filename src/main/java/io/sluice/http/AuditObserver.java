package io.sluice.http;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Writes one rows response's {@link AuditLog} line once it is delivered: who asked ({@code
 * principal}), for what, how it ended, the rows and the body bytes the socket took, and how
 * long it took from the moment this observer was made.
 */
final class AuditObserver implements StreamObserver {

  private final String requestId;
  private final String principal;
  /** The request's parameters as the audit line shows them (sensitive values digested under the key {@link #keyId} names). */
  private final Map<String, String> auditedParams;
  private final String keyId;
  private final long startedNanos = System.nanoTime();
  private String dataset;
  private String format;

  AuditObserver(String requestId, String principal, Map<String, String> auditedParams, String keyId) {
    this.requestId = requestId;
    this.principal = principal;
    this.auditedParams = auditedParams;
    this.keyId = keyId;
  }

  @Override
  public void started(String dataset, String format) {
    this.dataset = dataset;
    this.format = format;
  }

  @Override
  public void delivered(Outcome outcome) {
    AuditLog.write(new AuditLog.Entry(requestId, principal, dataset, auditedParams, keyId, format, outcome.status(), outcome.httpStatus(),
        outcome.errorCode(), outcome.rows(), outcome.bytes(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos)));
  }
}
