package dev.tether.relay.auth;

/** A freshly signed attach ticket together with the claims it carries. */
public record IssuedTicket(String token, Ticket claims) {}
