package dev.tether.shim; public class Main { public static void main(String[] a) {} }
