package weft.devdb;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import de.bwaldvogel.mongo.backend.EmptyIndex;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.bson.BsonRegularExpression;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.IndexKeySpecsConflictException;

/**
 * A collection's secondary indexes ({@link OrderedIndex}, one per non-unique index declared with
 * {@code createIndex}; the stock server keeps those as metadata only) and the choice of how a query
 * uses them and the {@code _id} index ({@link #query}). Two kinds of plan through a secondary index,
 * both exactly equivalent to the stock scan (same documents, same order):
 *
 * <ul>
 * <li><b>Ordered walk</b>: the query has equality conditions on an index's first {@code k} fields
 * and its sort is the index's remaining fields (each in the index's direction, or each reversed),
 * or it has no sort and equality on all the fields. The index range is walked in order, each
 * document matched against the whole query; skip and limit apply as they come, so a page stops
 * after its last document. A range condition on field {@code k} (including a keyset cursor
 * {@code $or: [{t: {$lt: x}}, {t: x, _id: {$lt: y}}]}) narrows where the walk starts and ends.</li>
 * <li><b>Candidates</b>: equality (or {@code $in}) on an index's first fields, any sort: the
 * positions in those ranges, in position (scan) order, go through the stock match-and-sort.</li>
 * </ul>
 *
 * A query with neither shape takes the stock path. Ranges only narrow: every document in them is
 * still matched against the whole query with the server's matcher. Not thread-safe: the owning
 * collection calls it under its lock.
 */
final class SecondaryIndexes<P> {

    /** A candidates plan is preferred to an ordered walk when its ranges hold fewer entries than this. */
    private static final int SMALL_RANGE = 1_000;
    /** At most this many ranges from the product of {@code $in} lists. */
    private static final int MAX_RANGES = 256;

    /** What an explain reports; counted while {@link #explaining} is set. */
    static final class Stats {
        /** Null: a collection scan. */
        String indexName;
        Document keyPattern;
        String direction = "forward";
        Document bounds;
        /** The documents were sorted after matching (not read in order). */
        boolean sorted;
        long keysExamined;
        long docsExamined;
    }

    private final Map<String, OrderedIndex<P>> indexes = new LinkedHashMap<>();
    /** Added, not yet built ({@link #build}). */
    private final List<OrderedIndex<P>> unbuilt = new ArrayList<>();
    private final Comparator<P> positionOrder;
    /** Set while an explain runs (under the collection's lock), else null. */
    Stats explaining;
    /**
     * Set while an update runs (under the collection's lock): {@link #query} answers with copies.
     * The stock update changes the stored document in place (it removes the fields the new version
     * lacks, then puts every field) and then hands it to {@code handleUpdate}. A reply is encoded
     * outside the lock, and on H2 a commit writes pages while writes go on, so both could see a
     * document half changed (a find returned fields of two versions of one document). Here the
     * update changes a copy, which {@code handleUpdate} stores in the original's place: a stored
     * document is never changed.
     */
    private boolean updating;

    SecondaryIndexes(Comparator<P> positionOrder) {
        this.positionOrder = positionOrder;
    }

    /** The stock operations of a collection that {@link #query} builds on (called under its lock). */
    interface Host<P> {
        String idField();

        List<Index<P>> stockIndexes();

        Document documentAt(P position);

        int documentCount();

        /** Calls {@code action} with every document and its position. */
        void forEachDocument(BiConsumer<Document, P> action);

        /** The stock match of the documents at {@code positions}, then sort, skip, limit, projection. */
        QueryResult matchPositions(Document query, Iterable<P> positions, Document orderBy, int skip, int limit,
                                   int batchSize, Document projection);

        /** The stock match of {@code documents}, sorted by {@code orderBy} unless it is null. */
        QueryResult matchStream(Document query, Stream<Document> documents, Document orderBy, int skip, int limit,
                                int batchSize, Document projection);

        /** The stock query: a scan, or a unique index named exactly. */
        QueryResult stockQuery(Document query, Document orderBy, int skip, int limit, int batchSize,
                               Document projection);
    }

    /**
     * A query as the collection's {@code queryDocuments}: by {@code _id} when it has an exact
     * {@code _id} condition, else through a secondary index when one fits ({@link #plan}), else the
     * stock way.
     */
    QueryResult query(Host<P> host, Document query, Document orderBy, int skip, int limit, int batchSize,
                      Document projection) {
        QueryResult found = find(host, query, orderBy, skip, limit, batchSize, projection);
        if (!updating) return found;
        // The stock update changes only top-level fields of what it finds (their new values are
        // its own): a copy of the top level leaves the stored document as it was.
        List<Document> copies = new ArrayList<>();
        for (Document document : found) copies.add(new Document(document));
        return new QueryResult(copies, found.getCursorId());
    }

    /** Runs a stock update ({@code updateDocuments}, {@code findAndModify}) on copies (see {@link #updating}). */
    <T> T onCopies(Supplier<T> update) {
        updating = true;
        try {
            return update.get();
        } finally {
            updating = false;
        }
    }

    private QueryResult find(Host<P> host, Document query, Document orderBy, int skip, int limit, int batchSize,
                             Document projection) {
        build(host);
        Stats stats = explaining;
        String idField = host.idField();
        Object idCondition = idField == null ? null : query.get(idField);
        if (idCondition != null && isExactIdCondition(idCondition)) {
            Document idQuery = new Document(idField, idCondition);
            for (Index<P> index : host.stockIndexes()) {
                if (index.canHandle(idQuery)) {
                    // The index answers the _id condition exactly (a value, or $in of values); only
                    // the rest of the query is matched against what it found. Matching $in again
                    // per document would cost O(candidates × values).
                    Document rest = new Document(query);
                    rest.remove(idField);
                    Iterable<P> positions = index.getPositions(idQuery);
                    if (stats != null) {
                        explainStockIndex(stats, index, positions);
                    }
                    return host.matchPositions(rest, positions, orderBy, skip, limit, batchSize, projection);
                }
            }
        }
        Plan plan = plan(query, orderBy);
        if (plan != null) {
            Stream<Document> documents = plan.documents(host::documentAt);
            if (stats != null) {
                stats.sorted = !plan.ordered;
            }
            return host.matchStream(query, documents, plan.ordered ? null : orderBy, skip, limit, batchSize, projection);
        }
        if (stats != null) {
            for (Index<P> index : host.stockIndexes()) {
                if (index.canHandle(query)) {
                    explainStockIndex(stats, index, index.getPositions(query));
                    break;
                }
            }
            if (stats.indexName == null) {
                stats.docsExamined = host.documentCount();
                stats.sorted = true;
            }
        }
        return host.stockQuery(query, orderBy, skip, limit, batchSize, projection);
    }

    private void explainStockIndex(Stats stats, Index<P> index, Iterable<P> positions) {
        stats.indexName = index.getName();
        stats.keyPattern = (Document) index.toIndexDescription().get("key");
        stats.sorted = true;
        positions.forEach(p -> stats.keysExamined++);
        stats.docsExamined = stats.keysExamined;
    }

    /** A plain value, or {@code {$in: [plain values]}}: conditions the unique _id index answers exactly. */
    private static boolean isExactIdCondition(Object condition) {
        if (condition instanceof Document document) {
            if (!document.keySet().equals(java.util.Set.of("$in")) || !(document.get("$in") instanceof Collection<?> values)) {
                return false;
            }
            for (Object value : values) {
                if (value == null || value instanceof Document || value instanceof Collection<?>
                    || BsonRegularExpression.isRegularExpression(value)) {
                    return false;
                }
            }
            return true;
        }
        return !(condition instanceof Collection<?>) && !BsonRegularExpression.isRegularExpression(condition);
    }

    /**
     * Adds {@code index} to the collection's index list if it is a non-unique one (the stock
     * {@link EmptyIndex}, which stores nothing), as the stock {@code addIndex} would but without its
     * two passes over all documents to check and add keys the empty index ignores, and plans an
     * ordered index for it. That is built on first use, in one pass for all the indexes added until
     * then: at start the H2 backend opens every index of every collection, and the stock passes
     * read (deserialize) every stored document twice per index. False for any other index: the
     * caller leaves it to the stock {@code addIndex}.
     */
    boolean addSecondary(Index<P> index, List<Index<P>> stockIndexes) {
        if (!(index instanceof EmptyIndex)) {
            return false;
        }
        for (Index<P> existing : stockIndexes) {
            if (existing.getName().equals(index.getName())) {
                if (!existing.hasSameOptions(index)) {
                    throw new IndexKeySpecsConflictException(index, existing);
                }
                return true;
            }
        }
        stockIndexes.add(index);
        List<IndexKey> keys = index.getKeys();
        if (!indexes.containsKey(index.getName()) && OrderedIndex.supports(keys)) {
            OrderedIndex<P> ordered = new OrderedIndex<>(index.getName(), keys, positionOrder);
            indexes.put(index.getName(), ordered);
            unbuilt.add(ordered);
        }
        return true;
    }

    /**
     * Builds the indexes added since the last call from all documents (one pass); true when it did.
     * Called before each use, while the documents are as the indexes should see them.
     */
    boolean build(Host<P> host) {
        if (unbuilt.isEmpty()) {
            return false;
        }
        List<OrderedIndex<P>> building = new ArrayList<>(unbuilt);
        unbuilt.clear();
        host.forEachDocument((document, position) -> {
            for (OrderedIndex<P> index : building) {
                index.add(document, position);
            }
        });
        return true;
    }

    void dropIndex(String name) {
        OrderedIndex<P> dropped = indexes.remove(name);
        unbuilt.remove(dropped);
    }

    // The collection's write path and explain, for both backends: their stock collections share no
    // class of Weft's to hold it, so each override is one call here with the stock step it extends.

    /** {@code addDocumentInternal}: the stock add ({@code stockAdd}), then the document's entries. */
    P add(Host<P> host, Document document, Function<Document, P> stockAdd) {
        build(host);
        P position = stockAdd.apply(document);
        for (OrderedIndex<P> index : indexes.values()) {
            index.add(document, position);
        }
        return position;
    }

    /** {@code handleUpdate}, after the stock update: indexes built now already see the new document. */
    void updated(Host<P> host, P position, Document oldDocument, Document newDocument) {
        if (build(host)) {
            return;
        }
        for (OrderedIndex<P> index : indexes.values()) {
            index.update(oldDocument, newDocument, position);
        }
    }

    /** {@code removeDocument}, before the stock removal. */
    void removing(Host<P> host, P position) {
        build(host);
        Document document = host.documentAt(position);
        if (document == null) {
            return;
        }
        for (OrderedIndex<P> index : indexes.values()) {
            index.remove(document, position);
        }
    }

    /** {@code explainFind}: the find run through {@link #query}, its plan recorded. */
    Document explain(Host<P> host, String namespace, Document find) {
        return Explain.run(this, namespace, find, (filter, sort, skip, limit, projection) -> {
            int returned = 0;
            for (Document ignored : query(host, filter, sort, skip, limit, 0, projection)) {
                returned++;
            }
            return returned;
        });
    }

    /** How a query reads its documents through an index. */
    final class Plan {
        final OrderedIndex<P> index;
        final List<NavigableSet<OrderedIndex.Key<P>>> ranges;
        /** Documents come in the query's order (no sort needed): an ordered walk. */
        final boolean ordered;
        final boolean reverse;
        final Document bounds;

        Plan(OrderedIndex<P> index, List<NavigableSet<OrderedIndex.Key<P>>> ranges, boolean ordered,
             boolean reverse, Document bounds) {
            this.index = index;
            this.ranges = ranges;
            this.ordered = ordered;
            this.reverse = reverse;
            this.bounds = bounds;
        }

        /** The documents to match, lazily in walk order or (candidates) in position order. */
        Stream<Document> documents(Function<P, Document> documentAt) {
            Stats stats = explaining;
            if (stats != null) {
                stats.indexName = index.name();
                stats.keyPattern = index.keyPattern();
                stats.direction = reverse ? "backward" : "forward";
                stats.bounds = bounds;
            }
            Iterator<P> positions;
            if (ordered) {
                NavigableSet<OrderedIndex.Key<P>> range = ranges.get(0);
                Iterator<OrderedIndex.Key<P>> keys = reverse ? index.descending(range) : range.iterator();
                positions = new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return keys.hasNext();
                    }

                    @Override
                    public P next() {
                        if (stats != null) {
                            stats.keysExamined++;
                        }
                        return keys.next().position;
                    }
                };
            } else {
                List<P> all = new ArrayList<>();
                for (NavigableSet<OrderedIndex.Key<P>> range : ranges) {
                    for (OrderedIndex.Key<P> key : range) {
                        all.add(key.position);
                    }
                }
                if (stats != null) {
                    stats.keysExamined += all.size();
                }
                all.sort(positionOrder);
                List<P> distinct = new ArrayList<>(all.size());
                for (P position : all) {
                    if (distinct.isEmpty() || positionOrder.compare(distinct.get(distinct.size() - 1), position) != 0) {
                        distinct.add(position);
                    }
                }
                positions = distinct.iterator();
            }
            Spliterator<P> spliterator = Spliterators.spliteratorUnknownSize(positions, Spliterator.ORDERED);
            return StreamSupport.stream(spliterator, false).map(position -> {
                if (stats != null) {
                    stats.docsExamined++;
                }
                return documentAt.apply(position);
            });
        }
    }

    /** A way to use one index for a query, before the choice between them. */
    private final class Option {
        final OrderedIndex<P> index;
        final List<Object[]> prefixes;
        final int k;
        final boolean ordered;
        final boolean reverse;
        final OrderedIndex.Bound bound;
        List<NavigableSet<OrderedIndex.Key<P>>> ranges;

        Option(OrderedIndex<P> index, List<Object[]> prefixes, int k, boolean ordered, boolean reverse,
               OrderedIndex.Bound bound) {
            this.index = index;
            this.prefixes = prefixes;
            this.k = k;
            this.ordered = ordered;
            this.reverse = reverse;
            this.bound = bound;
        }

        List<NavigableSet<OrderedIndex.Key<P>>> ranges() {
            if (ranges == null) {
                ranges = new ArrayList<>();
                for (Object[] prefix : prefixes) {
                    ranges.add(index.range(prefix, bound));
                }
            }
            return ranges;
        }

        /** The entries in the ranges, counting no further than {@code cap}. */
        long countUpTo(long cap) {
            long n = 0;
            for (NavigableSet<OrderedIndex.Key<P>> range : ranges()) {
                for (Iterator<OrderedIndex.Key<P>> it = range.iterator(); it.hasNext() && n < cap; it.next()) {
                    n++;
                }
            }
            return n;
        }

        Plan plan() {
            Document bounds = new Document();
            for (int i = 0; i < index.fieldCount(); i++) {
                List<String> intervals = new ArrayList<>();
                if (i < k) {
                    for (Object[] prefix : prefixes) {
                        String shown = OrderedIndex.Bound.exactly(prefix[i]).toString();
                        if (!intervals.contains(shown)) {
                            intervals.add(shown);
                        }
                    }
                } else if (i == k) {
                    intervals.add(bound.toString());
                } else {
                    intervals.add(OrderedIndex.Bound.ALL.toString());
                }
                bounds.put(index.field(i), intervals);
            }
            return new Plan(index, ranges(), ordered, reverse, bounds);
        }
    }

    /**
     * The plan for a query, or null for the stock path. {@code orderBy} as the server passes it
     * (null or empty: no sort).
     */
    Plan plan(Document query, Document orderBy) {
        if (indexes.isEmpty()) {
            return null;
        }
        List<String> sortFields = new ArrayList<>();
        List<Boolean> sortAscending = new ArrayList<>();
        if (orderBy != null) {
            for (Map.Entry<String, Object> entry : orderBy.entrySet()) {
                // $natural, {$meta: …} and the like: the stock path.
                if (entry.getKey().startsWith("$") || !(entry.getValue() instanceof Number direction)) {
                    return null;
                }
                sortFields.add(entry.getKey());
                sortAscending.add(direction.intValue() > 0);
            }
        }

        Map<String, List<Object>> equal = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : query.entrySet()) {
            if (entry.getKey().startsWith("$")) {
                continue;
            }
            List<Object> values = equalityValues(entry.getValue());
            if (values != null) {
                equal.put(entry.getKey(), values);
            }
        }

        Option ordered = null;
        List<Option> candidates = new ArrayList<>();
        for (OrderedIndex<P> index : indexes.values()) {
            if (!index.usable()) {
                continue;
            }
            int n = index.fieldCount();
            // Leading fields with one value each (usable by an ordered walk) …
            int single = 0;
            while (single < n && equal.containsKey(index.field(single)) && equal.get(index.field(single)).size() == 1) {
                single++;
            }
            if (!sortFields.isEmpty()) {
                for (int k = single; k >= 0; k--) {
                    Boolean reverse = sortDirection(index, k, sortFields, sortAscending);
                    if (reverse != null) {
                        if (ordered == null || k > ordered.k) {
                            ordered = new Option(index, prefixes(index, k, equal), k, true, reverse,
                                k < n ? boundFor(query, index.field(k)) : OrderedIndex.Bound.ALL);
                        }
                        break;
                    }
                }
            } else if (single == n && (ordered == null || n > ordered.k)) {
                ordered = new Option(index, prefixes(index, n, equal), n, true, false, OrderedIndex.Bound.ALL);
            }
            // … and with one or more values ($in): candidates.
            int any = 0;
            long ranges = 1;
            while (any < n && equal.containsKey(index.field(any))) {
                ranges *= equal.get(index.field(any)).size();
                if (ranges > MAX_RANGES) {
                    break;
                }
                any++;
            }
            if (any > 0) {
                candidates.add(new Option(index, prefixes(index, any, equal), any, false, false,
                    any < n ? boundFor(query, index.field(any)) : OrderedIndex.Bound.ALL));
            }
        }
        if (ordered == null && candidates.isEmpty()) {
            return null;
        }

        // A few candidates (say, one correlation id's runs) beat walking a large ordered range.
        Option smallest = null;
        long smallestCount = Long.MAX_VALUE;
        for (Option option : candidates) {
            long count = option.countUpTo(SMALL_RANGE);
            if (count < smallestCount) {
                smallest = option;
                smallestCount = count;
            }
        }
        if (ordered != null) {
            if (smallest != null && smallestCount < SMALL_RANGE && ordered.countUpTo(smallestCount + 1) > smallestCount) {
                return smallest.plan();
            }
            return ordered.plan();
        }
        return smallest.plan();
    }

    /**
     * Whether the sort is the index's fields from {@code k} on: false in the index's directions,
     * true all reversed, null neither.
     */
    private static Boolean sortDirection(OrderedIndex<?> index, int k, List<String> fields, List<Boolean> ascending) {
        if (index.fieldCount() - k != fields.size()) {
            return null;
        }
        boolean same = true;
        boolean reversed = true;
        for (int i = 0; i < fields.size(); i++) {
            if (!index.field(k + i).equals(fields.get(i))) {
                return null;
            }
            boolean asc = ascending.get(i);
            same &= asc == index.ascending(k + i);
            reversed &= asc != index.ascending(k + i);
        }
        return same ? Boolean.FALSE : reversed ? Boolean.TRUE : null;
    }

    /** The value tuples of the first {@code k} fields: the product of their values. */
    private static List<Object[]> prefixes(OrderedIndex<?> index, int k, Map<String, List<Object>> equal) {
        List<Object[]> out = new ArrayList<>();
        out.add(new Object[0]);
        for (int i = 0; i < k; i++) {
            List<Object[]> next = new ArrayList<>();
            for (Object[] prefix : out) {
                for (Object value : equal.get(index.field(i))) {
                    Object[] longer = java.util.Arrays.copyOf(prefix, i + 1);
                    longer[i] = value;
                    next.add(longer);
                }
            }
            out = next;
        }
        return out;
    }

    /**
     * The values a field must equal under this condition (a value, {@code $eq} or {@code $in} of
     * indexable values), or null when it is not such a condition.
     */
    private static List<Object> equalityValues(Object condition) {
        if (condition instanceof Document document && isOperatorDocument(document)) {
            if (document.containsKey("$eq") && OrderedIndex.isIndexable(document.get("$eq"))) {
                return List.of(orMissing(document.get("$eq")));
            }
            if (document.get("$in") instanceof Collection<?> values && !values.isEmpty()) {
                List<Object> out = new ArrayList<>();
                for (Object value : values) {
                    if (!OrderedIndex.isIndexable(value)) {
                        return null;
                    }
                    out.add(orMissing(value));
                }
                return out;
            }
            return null;
        }
        return OrderedIndex.isIndexable(condition) ? List.of(orMissing(condition)) : null;
    }

    /**
     * The range of {@code field}'s values the query allows, as far as it can tell: conditions on the
     * field itself, in {@code $and}, and in every branch of an {@code $or} (their union). Wider is
     * safe (everything in range is matched again), narrower never happens.
     */
    static OrderedIndex.Bound boundFor(Document query, String field) {
        OrderedIndex.Bound bound = OrderedIndex.Bound.ALL;
        for (Map.Entry<String, Object> entry : query.entrySet()) {
            String key = entry.getKey();
            Object value = entry.getValue();
            if (key.equals(field)) {
                bound = bound.and(boundOf(value));
            } else if (key.equals("$and") && value instanceof Collection<?> parts) {
                for (Object part : parts) {
                    if (part instanceof Document document) {
                        bound = bound.and(boundFor(document, field));
                    }
                }
            } else if (key.equals("$or") && value instanceof Collection<?> branches && !branches.isEmpty()) {
                OrderedIndex.Bound union = null;
                for (Object branch : branches) {
                    OrderedIndex.Bound b = branch instanceof Document document ? boundFor(document, field)
                        : OrderedIndex.Bound.ALL;
                    union = union == null ? b : union.or(b);
                }
                bound = bound.and(union);
            }
        }
        return bound;
    }

    private static OrderedIndex.Bound boundOf(Object condition) {
        if (condition instanceof Document document && isOperatorDocument(document)) {
            OrderedIndex.Bound bound = OrderedIndex.Bound.ALL;
            for (Map.Entry<String, Object> entry : document.entrySet()) {
                Object value = entry.getValue();
                // The matcher's $lt/$gt never match across types or null; these bounds compare the
                // same way (ValueComparator), so the range holds every match.
                boolean rangeable = value != null && OrderedIndex.isIndexable(value);
                switch (entry.getKey()) {
                    case "$eq" -> {
                        if (OrderedIndex.isIndexable(value)) {
                            bound = bound.and(OrderedIndex.Bound.exactly(value));
                        }
                    }
                    case "$lt" -> bound = rangeable ? bound.and(OrderedIndex.Bound.below(value, false)) : bound;
                    case "$lte" -> bound = rangeable ? bound.and(OrderedIndex.Bound.below(value, true)) : bound;
                    case "$gt" -> bound = rangeable ? bound.and(OrderedIndex.Bound.above(value, false)) : bound;
                    case "$gte" -> bound = rangeable ? bound.and(OrderedIndex.Bound.above(value, true)) : bound;
                    case "$in" -> {
                        List<Object> values = equalityValues(new Document("$in", value));
                        if (values != null) {
                            OrderedIndex.Bound hull = null;
                            for (Object v : values) {
                                OrderedIndex.Bound one = OrderedIndex.Bound.exactly(v);
                                hull = hull == null ? one : hull.or(one);
                            }
                            bound = bound.and(hull);
                        }
                    }
                    default -> {
                        // $ne, $nin, $exists, $not, $regex …: no narrowing.
                    }
                }
            }
            return bound;
        }
        return OrderedIndex.isIndexable(condition) ? OrderedIndex.Bound.exactly(condition) : OrderedIndex.Bound.ALL;
    }

    private static boolean isOperatorDocument(Document document) {
        if (document.isEmpty()) {
            return false;
        }
        for (String key : document.keySet()) {
            if (!key.startsWith("$")) {
                return false;
            }
        }
        return true;
    }

    private static Object orMissing(Object value) {
        return value == null ? de.bwaldvogel.mongo.backend.Missing.getInstance() : value;
    }
}
