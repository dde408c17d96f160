package dev.tether.protocol;

/**
 * How far one stream got on the receiving side of one tunnel end, said when a tunnel resumes.
 *
 * @param stream the stream id
 * @param received data frames received on the stream so far (the other side sends again every
 *     frame after this one)
 * @param credited payload bytes granted so far in {@link TunnelMessage.Credit}s, beyond the
 *     stream's first window (the other side adds whatever credit it missed)
 */
public record StreamPosition(int stream, long received, long credited) {
  public StreamPosition {
    if (stream <= 0) {
      throw new IllegalArgumentException("stream ids are positive, was " + stream);
    }
    if (received < 0 || credited < 0) {
      throw new IllegalArgumentException("positions are not negative");
    }
  }
}
