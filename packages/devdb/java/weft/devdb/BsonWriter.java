package weft.devdb;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;
import de.bwaldvogel.mongo.wire.BsonConstants;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;

/**
 * Writes a document as BSON, byte for byte what mongo-java-server's {@link BsonEncoder} writes,
 * for the two places the H2 server spends its time encoding: documents stored on H2 pages and
 * replies on the wire. The stock encoder looks each key up again to read its value, rebuilds every
 * array as a document keyed by {@code String.valueOf(i)}, and copies each string into a new byte
 * array first (JFR: 9 % of the database's CPU on the wire alone, under a webhook load). Leaf values
 * other than strings, 32-bit integers and dates go to the stock encoder, so every other type it
 * knows is written as before.
 */
final class BsonWriter {
    private BsonWriter() {
    }

    /** Array keys written most often ("0" to "99"), as bytes with their terminating zero. */
    private static final byte[][] INDEX_KEYS = new byte[100][];

    static {
        for (int i = 0; i < INDEX_KEYS.length; i++) {
            byte[] digits = String.valueOf(i).getBytes(StandardCharsets.US_ASCII);
            INDEX_KEYS[i] = Arrays.copyOf(digits, digits.length + 1);
        }
    }

    static void writeDocument(Map<String, ?> document, ByteBuf out) {
        int start = out.writerIndex();
        out.writeIntLE(0);
        for (Map.Entry<String, ?> entry : document.entrySet()) {
            Object value = entry.getValue();
            byte type = typeOf(value);
            out.writeByte(type);
            writeCString(entry.getKey(), out);
            writeValue(type, value, out);
        }
        out.writeByte(BsonConstants.TERMINATING_BYTE);
        out.setIntLE(start, out.writerIndex() - start);
    }

    /** A value of the given BSON type (as {@link BsonEncoder#determineType} names it), without its key. */
    @SuppressWarnings("unchecked")
    static void writeValue(byte type, Object value, ByteBuf out) {
        switch (type) {
            case BsonConstants.TYPE_UTF8_STRING -> writeString((String) value, out);
            case BsonConstants.TYPE_EMBEDDED_DOCUMENT -> writeDocument((Map<String, ?>) value, out);
            case BsonConstants.TYPE_INT32 -> out.writeIntLE((Integer) value);
            case BsonConstants.TYPE_UTC_DATETIME -> out.writeLongLE(((Instant) value).toEpochMilli());
            case BsonConstants.TYPE_ARRAY -> writeArray(value instanceof String[] strings ? Arrays.asList(strings) : (Collection<?>) value, out);
            default -> BsonEncoder.encodeValue(type, value, out);
        }
    }

    /** {@link BsonEncoder#determineType}, with the types documents hold most asked first. */
    static byte typeOf(Object value) {
        if (value instanceof String) return BsonConstants.TYPE_UTF8_STRING;
        if (value instanceof Document) return BsonConstants.TYPE_EMBEDDED_DOCUMENT;
        if (value instanceof Integer) return BsonConstants.TYPE_INT32;
        if (value instanceof Instant) return BsonConstants.TYPE_UTC_DATETIME;
        if (value instanceof ObjectId) return BsonConstants.TYPE_OBJECT_ID;
        if (value instanceof List<?>) return BsonConstants.TYPE_ARRAY;
        return BsonEncoder.determineType(value);
    }

    private static void writeArray(Collection<?> items, ByteBuf out) {
        int start = out.writerIndex();
        out.writeIntLE(0);
        int index = 0;
        for (Object item : items) {
            byte type = typeOf(item);
            out.writeByte(type);
            if (index < INDEX_KEYS.length) out.writeBytes(INDEX_KEYS[index]);
            else writeCString(Integer.toString(index), out);
            writeValue(type, item, out);
            index++;
        }
        out.writeByte(BsonConstants.TERMINATING_BYTE);
        out.setIntLE(start, out.writerIndex() - start);
    }

    private static void writeCString(String text, ByteBuf out) {
        writeUtf8(text, out);
        out.writeByte(BsonConstants.STRING_TERMINATION);
    }

    private static void writeString(String text, ByteBuf out) {
        int start = out.writerIndex();
        out.writeIntLE(0);
        int length = writeUtf8(text, out);
        out.writeByte(BsonConstants.STRING_TERMINATION);
        out.setIntLE(start, length + 1);
    }

    /**
     * The text as UTF-8 straight into the buffer. Netty's writer and {@link String#getBytes} part ways
     * only on a broken surrogate pair, so a string with any surrogate takes the JDK's way.
     */
    private static int writeUtf8(String text, ByteBuf out) {
        for (int i = 0, n = text.length(); i < n; i++) {
            if (Character.isSurrogate(text.charAt(i))) {
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                out.writeBytes(bytes);
                return bytes.length;
            }
        }
        return out.writeCharSequence(text, StandardCharsets.UTF_8);
    }
}
