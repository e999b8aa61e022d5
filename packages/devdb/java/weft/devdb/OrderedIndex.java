package weft.devdb;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NavigableSet;
import java.util.NoSuchElementException;
import java.util.TreeSet;
import java.util.UUID;

import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;

/**
 * A real, ordered secondary index for one collection, which mongo-java-server accepts but does not
 * implement (its {@code EmptyIndex} is metadata only). Entries are ordered by the index's fields,
 * each compared with the server's own {@link ValueComparator} in the field's direction (the order
 * {@code sort} produces), then by position: within equal keys the order of a collection scan, so
 * a walk in index order returns exactly what the stock scan-and-stable-sort returns.
 *
 * <p>Only values the comparator orders consistently (a total order) are indexed: null or missing,
 * strings, ObjectIds, booleans, dates, timestamps, UUIDs and numbers (doubles within the range where
 * the server compares them exactly). A document with any other value in an indexed field (an array,
 * an embedded document, a decimal …) is not entered but counted, and while such documents exist the
 * index is not used at all ({@link #usable}): queries then take the stock path, never a wrong one.
 *
 * <p>Not thread-safe: the owning collection calls it under its lock.
 */
final class OrderedIndex<P> {

    private static final int LOW = -1;
    private static final int EXACT = 0;
    private static final int HIGH = 1;
    private static final double EXACT_FRACTIONS = 2_147_483_648.0; // 2^31
    private static final double EXACT_INTEGERS = 4_611_686_018_427_387_904.0; // 2^62

    /**
     * An entry (values of all fields and a position), or a probe: a prefix of values that sorts
     * before ({@code LOW}) or after ({@code HIGH}) every entry starting with it.
     */
    static final class Key<P> {
        final Object[] values;
        final P position;
        final int probe;

        Key(Object[] values, P position, int probe) {
            this.values = values;
            this.position = position;
            this.probe = probe;
        }
    }

    /**
     * A range of one field's values; a null end is open. A null value is held as {@link Missing}
     * (the comparator sees them as equal), so {@code exactly(null)} is not the open range.
     */
    record Bound(Object low, boolean lowInclusive, Object high, boolean highInclusive) {
        static final Bound ALL = new Bound(null, false, null, false);

        static Bound exactly(Object value) {
            Object v = value == null ? Missing.getInstance() : value;
            return new Bound(v, true, v, true);
        }

        static Bound below(Object value, boolean inclusive) {
            return new Bound(null, false, value, inclusive);
        }

        static Bound above(Object value, boolean inclusive) {
            return new Bound(value, inclusive, null, false);
        }

        boolean isAll() {
            return low == null && high == null;
        }

        /** Both conditions hold: the narrower ends. */
        Bound and(Bound other) {
            Object lo = low;
            boolean loIn = lowInclusive;
            if (other.low != null) {
                int c = lo == null ? -1 : compareValues(lo, other.low);
                if (c < 0 || (c == 0 && !other.lowInclusive)) {
                    lo = other.low;
                    loIn = other.lowInclusive;
                }
            }
            Object hi = high;
            boolean hiIn = highInclusive;
            if (other.high != null) {
                int c = hi == null ? 1 : compareValues(hi, other.high);
                if (c > 0 || (c == 0 && !other.highInclusive)) {
                    hi = other.high;
                    hiIn = other.highInclusive;
                }
            }
            return new Bound(lo, loIn, hi, hiIn);
        }

        /** Either condition holds: the wider ends. */
        Bound or(Bound other) {
            Object lo = null;
            boolean loIn = false;
            if (low != null && other.low != null) {
                int c = compareValues(low, other.low);
                lo = c <= 0 ? low : other.low;
                loIn = c < 0 ? lowInclusive : c > 0 ? other.lowInclusive : lowInclusive || other.lowInclusive;
            }
            Object hi = null;
            boolean hiIn = false;
            if (high != null && other.high != null) {
                int c = compareValues(high, other.high);
                hi = c >= 0 ? high : other.high;
                hiIn = c > 0 ? highInclusive : c < 0 ? other.highInclusive : highInclusive || other.highInclusive;
            }
            return new Bound(lo, loIn, hi, hiIn);
        }

        @Override
        public String toString() {
            return (low == null ? "[MinKey" : (lowInclusive ? "[" : "(") + show(low)) + ", "
                + (high == null ? "MaxKey]" : show(high) + (highInclusive ? "]" : ")"));
        }

        private static String show(Object value) {
            return value instanceof Missing ? "null" : String.valueOf(value);
        }
    }

    private final String name;
    private final String[] fields;
    private final boolean[] ascending;
    private final boolean[] topLevel;
    private final Comparator<P> positionOrder;
    private final Comparator<Key<P>> order;
    private final TreeSet<Key<P>> entries;
    /** Documents with a value this index does not order (see the class comment). */
    private int unindexable;

    OrderedIndex(String name, List<IndexKey> keys, Comparator<P> positionOrder) {
        this.name = name;
        this.fields = keys.stream().map(IndexKey::getKey).toArray(String[]::new);
        this.ascending = new boolean[fields.length];
        this.topLevel = new boolean[fields.length];
        for (int i = 0; i < fields.length; i++) {
            ascending[i] = keys.get(i).isAscending();
            topLevel[i] = !fields[i].contains(".");
        }
        this.positionOrder = positionOrder;
        this.order = this::compare;
        this.entries = new TreeSet<>(order);
    }

    /** Whether the index can be built for these fields: plain paths, no operators. */
    static boolean supports(List<IndexKey> keys) {
        if (keys.isEmpty()) {
            return false;
        }
        for (IndexKey key : keys) {
            String field = key.getKey();
            if (field.isEmpty() || field.contains("$") || field.startsWith(".") || field.endsWith(".")
                || field.contains("..")) {
                return false;
            }
        }
        return true;
    }

    String name() {
        return name;
    }

    int fieldCount() {
        return fields.length;
    }

    String field(int i) {
        return fields[i];
    }

    boolean ascending(int i) {
        return ascending[i];
    }

    boolean usable() {
        return unindexable == 0;
    }

    Document keyPattern() {
        Document pattern = new Document();
        for (int i = 0; i < fields.length; i++) {
            pattern.put(fields[i], ascending[i] ? 1 : -1);
        }
        return pattern;
    }

    void add(Document document, P position) {
        Object[] values = valuesOf(document);
        if (values == null) {
            unindexable++;
        } else {
            entries.add(new Key<>(values, position, EXACT));
        }
    }

    void remove(Document document, P position) {
        Object[] values = valuesOf(document);
        if (values == null) {
            unindexable--;
        } else if (!entries.remove(new Key<>(values, position, EXACT))) {
            // Not where its values say: the document was changed without an update. Find it by
            // position (never expected; the server's own _id index makes the same assumption).
            entries.removeIf(key -> positionOrder.compare(key.position, position) == 0);
        }
    }

    /**
     * A document changed in place: its entry moves only if a value of this index's fields changed
     * (most updates touch no indexed field, and a remove and add walk the tree twice).
     */
    void update(Document oldDocument, Document newDocument, P position) {
        Object[] before = valuesOf(oldDocument);
        Object[] after = valuesOf(newDocument);
        if (before != null && after != null && Arrays.equals(before, after)) {
            return;
        }
        remove(oldDocument, position);
        add(newDocument, position);
    }

    /**
     * The entries whose first {@code prefix.length} fields equal {@code prefix} (as the comparator
     * sees it) and whose next field lies in {@code bound}, in index order.
     */
    NavigableSet<Key<P>> range(Object[] prefix, Bound bound) {
        int k = prefix.length;
        Key<P> from;
        Key<P> to;
        if (k == fields.length || bound.isAll()) {
            from = new Key<>(prefix, null, LOW);
            to = new Key<>(prefix, null, HIGH);
        } else {
            // In index order a descending field runs from its highest value to its lowest.
            Object first = ascending[k] ? bound.low() : bound.high();
            boolean firstInclusive = ascending[k] ? bound.lowInclusive() : bound.highInclusive();
            Object last = ascending[k] ? bound.high() : bound.low();
            boolean lastInclusive = ascending[k] ? bound.highInclusive() : bound.lowInclusive();
            from = first == null ? new Key<>(prefix, null, LOW)
                : new Key<>(append(prefix, first), null, firstInclusive ? LOW : HIGH);
            to = last == null ? new Key<>(prefix, null, HIGH)
                : new Key<>(append(prefix, last), null, lastInclusive ? HIGH : LOW);
        }
        if (compare(from, to) > 0) {
            return new TreeSet<>(order);
        }
        return entries.subSet(from, true, to, true);
    }

    /**
     * The range walked backwards; entries equal in every field (ordered by position) keep their
     * position order, as the stock stable sort leaves them.
     */
    Iterator<Key<P>> descending(NavigableSet<Key<P>> range) {
        Iterator<Key<P>> source = range.descendingIterator();
        return new Iterator<>() {
            private final Deque<Key<P>> group = new ArrayDeque<>();
            private Key<P> pending;

            @Override
            public boolean hasNext() {
                return !group.isEmpty() || pending != null || source.hasNext();
            }

            @Override
            public Key<P> next() {
                if (group.isEmpty()) {
                    Key<P> first = pending != null ? pending : source.hasNext() ? source.next() : null;
                    pending = null;
                    if (first == null) {
                        throw new NoSuchElementException();
                    }
                    group.push(first);
                    while (source.hasNext()) {
                        Key<P> key = source.next();
                        if (compareValues(key.values, first.values) != 0) {
                            pending = key;
                            break;
                        }
                        group.push(key);
                    }
                }
                return group.pop();
            }
        };
    }

    /** The values of the index fields, or null when one is not indexable. */
    private Object[] valuesOf(Document document) {
        Object[] values = new Object[fields.length];
        for (int i = 0; i < fields.length; i++) {
            // A top-level field as the server's path lookup finds it, without splitting the path.
            Object value = topLevel[i] ? document.getOrMissing(fields[i])
                : Utils.getSubdocumentValueCollectionAware(document, fields[i]);
            if (!isIndexable(value)) {
                return null;
            }
            values[i] = value instanceof Missing ? null : value;
        }
        return values;
    }

    /**
     * Values {@link ValueComparator} orders as a total order (and as the matcher's equality and
     * range operators see them): immutable scalars, numbers only where compared exactly.
     */
    static boolean isIndexable(Object value) {
        if (value == null || value instanceof Missing || value instanceof String || value instanceof ObjectId
            || value instanceof Boolean || value instanceof java.time.Instant || value instanceof BsonTimestamp
            || value instanceof UUID || value instanceof Integer || value instanceof Long
            || value instanceof Short || value instanceof Byte) {
            return true;
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return false;
            }
            return d == Math.rint(d) ? Math.abs(d) < EXACT_INTEGERS : Math.abs(d) < EXACT_FRACTIONS;
        }
        return false;
    }

    private int compare(Key<P> a, Key<P> b) {
        int n = Math.min(a.values.length, b.values.length);
        for (int i = 0; i < n; i++) {
            int c = compareValues(a.values[i], b.values[i]);
            if (c != 0) {
                return ascending[i] ? c : -c;
            }
        }
        if (a.values.length != b.values.length) {
            return a.values.length < b.values.length ? a.probe : -b.probe;
        }
        if (a.probe != EXACT || b.probe != EXACT) {
            return Integer.compare(a.probe, b.probe);
        }
        return positionOrder.compare(a.position, b.position);
    }

    /**
     * {@link ValueComparator#asc()}, with a shortcut for two indexable values of the same class
     * (the common case, on every insert and every step of a walk) that gives the same answers:
     * the stock comparator first ranks both values' types through a list of classes.
     */
    static int compareValues(Object a, Object b) {
        if (a != null && b != null && a.getClass() == b.getClass()) {
            if (a instanceof ObjectId x) {
                return x.compareTo((ObjectId) b);
            }
            if (a instanceof String x) {
                return x.compareTo((String) b);
            }
            if (a instanceof java.time.Instant x) {
                return x.compareTo((java.time.Instant) b);
            }
            if (a instanceof Integer x) {
                return Integer.compare(x, (Integer) b);
            }
            if (a instanceof Long x) {
                return Long.compare(x, (Long) b);
            }
            if (a instanceof Double x) {
                // Numerically, as the server does (-0.0 equals 0.0); indexable doubles are finite
                // and compared exactly by it.
                double p = x;
                double q = (Double) b;
                return p < q ? -1 : p > q ? 1 : 0;
            }
            if (a instanceof Boolean x) {
                return Boolean.compare(x, (Boolean) b);
            }
        }
        return ValueComparator.asc().compare(a, b);
    }

    private static int compareValues(Object[] a, Object[] b) {
        for (int i = 0; i < a.length; i++) {
            int c = compareValues(a[i], b[i]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static Object[] append(Object[] prefix, Object value) {
        Object[] out = Arrays.copyOf(prefix, prefix.length + 1);
        out[prefix.length] = value;
        return out;
    }
}
