package weft.devdb;

import java.util.ArrayDeque;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.AttributeKey;

/**
 * Holds the reply to a command that wrote until its write is on file ({@link GroupCommit}), on
 * the channel's event loop: the network thread goes on serving other connections meanwhile. The
 * replies of one connection leave in the order they were written, so a reply that needs no commit
 * waits behind a held one.
 */
final class DurableReplies extends ChannelOutboundHandlerAdapter {

    /** The ticket of the write the channel's next reply answers, set by the backend as it answers. */
    private static final AttributeKey<Long> TICKET = AttributeKey.valueOf("weft.devdb.writeTicket");

    private record Held(Object message, ChannelPromise promise, long ticket) {
    }

    private final GroupCommit commits;
    /** Event-loop confined. */
    private final ArrayDeque<Held> held = new ArrayDeque<>();

    DurableReplies(GroupCommit commits) {
        this.commits = commits;
    }

    /**
     * Marks the reply about to be written on {@code channel} as answering a write with this ticket;
     * without a channel (a command from inside the server) it waits for the commit instead.
     */
    static void answersWrite(Channel channel, GroupCommit commits, long ticket) {
        if (channel == null) {
            commits.awaitDurable(ticket);
        } else {
            channel.attr(TICKET).set(ticket);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) {
        Long marked = ctx.channel().attr(TICKET).getAndSet(null);
        long ticket = marked == null ? 0 : marked;
        if (held.isEmpty() && (ticket == 0 || commits.isDurable(ticket))) {
            ctx.write(message, promise);
            return;
        }
        held.add(new Held(message, promise, ticket));
        if (ticket != 0) {
            commits.whenDurable(ticket, () -> ctx.executor().execute(() -> release(ctx)),
                    // Not on file: the client must not take the write as done.
                    () -> ctx.executor().execute(ctx::close));
        }
    }

    private void release(ChannelHandlerContext ctx) {
        while (!held.isEmpty()) {
            Held next = held.peek();
            if (next.ticket() != 0 && !commits.isDurable(next.ticket())) break;
            held.poll();
            ctx.write(next.message(), next.promise());
        }
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        // Replies still held are never sent: their writes may not be on file.
        held.forEach(h -> h.promise().tryFailure(new java.nio.channels.ClosedChannelException()));
        held.clear();
        super.close(ctx, promise);
    }
}
