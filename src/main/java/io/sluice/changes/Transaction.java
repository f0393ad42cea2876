package io.sluice.changes;

import java.util.List;
import java.util.Set;

/**
 * A committed transaction as the slot delivered it: its top-level {@code xid}, the LSN of its
 * commit record (its position in commit order), its row changes in order, and the tables it
 * truncated ({@code schema.name}), which a follower cannot express as row changes.
 */
public record Transaction(long xid, long commitLsn, List<RowChange> changes, Set<String> truncated) {}
