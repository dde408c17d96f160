package dev.tether.relay; public class Main { public static void main(String[] a) {} }
