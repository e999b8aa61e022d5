package weft.devdb;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import de.bwaldvogel.mongo.bson.BsonRegularExpression;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;

/**
 * Positions of a collection's documents by the value of one top-level field: a stand-in for the
 * first field of a secondary index, which mongo-java-server accepts but does not implement (every
 * query without an exact {@code _id} condition scans the collection). It only narrows candidates:
 * the whole query is still matched against them, so it may return too many, never too few.
 * Documents whose value is an array, an embedded document or of an unusual type are candidates
 * for every query; a missing field counts as null (as in MongoDB, {@code {f: null}} matches both).
 */
final class EqualityIndex {

    private static final Object NULL = new Object();

    private final String field;
    private final Map<Object, Set<Integer>> byValue = new HashMap<>();
    private final Set<Integer> always = new HashSet<>();

    EqualityIndex(String field) {
        this.field = field;
    }

    String field() {
        return field;
    }

    void add(Document document, int position) {
        Object key = keyOf(document);
        if (key == null) {
            always.add(position);
        } else {
            byValue.computeIfAbsent(key, k -> new HashSet<>()).add(position);
        }
    }

    void remove(Document document, int position) {
        Object key = keyOf(document);
        if (key == null) {
            always.remove(position);
            return;
        }
        Set<Integer> positions = byValue.get(key);
        if (positions != null) {
            positions.remove(position);
            if (positions.isEmpty()) {
                byValue.remove(key);
            }
        }
    }

    /**
     * The candidates for a condition on this field: a plain value, {@code $eq} of one or {@code $in}
     * of plain values; null when the condition is of another kind (the caller then scans).
     */
    Set<Integer> candidates(Object condition) {
        List<Object> values = new ArrayList<>();
        if (condition instanceof Document document) {
            if (document.keySet().equals(Set.of("$eq"))) {
                values.add(document.get("$eq"));
            } else if (document.keySet().equals(Set.of("$in")) && document.get("$in") instanceof Collection<?> in) {
                values.addAll(in);
            } else {
                return null;
            }
        } else {
            values.add(condition);
        }
        Set<Integer> out = new HashSet<>(always);
        for (Object value : values) {
            Object key = normalize(value);
            if (key == null) {
                return null;
            }
            Set<Integer> positions = byValue.get(key);
            if (positions != null) {
                out.addAll(positions);
            }
        }
        return out;
    }

    /** The key of a document's value; null: the document is a candidate for any condition. */
    private Object keyOf(Document document) {
        if (!document.containsKey(field)) {
            return NULL;
        }
        return normalize(document.get(field));
    }

    /** A hashable stand-in that is equal exactly when MongoDB's equality holds; null: not plain. */
    private static Object normalize(Object value) {
        if (value == null) {
            return NULL;
        }
        if (value instanceof Number number) {
            double d = number.doubleValue();
            return d == 0.0 ? 0.0 : d;
        }
        if (value instanceof String || value instanceof Boolean || value instanceof ObjectId
            || value instanceof Instant || value instanceof UUID) {
            return value;
        }
        if (value instanceof Date date) {
            return date.toInstant();
        }
        if (BsonRegularExpression.isRegularExpression(value)) {
            return null;
        }
        return null;
    }
}
