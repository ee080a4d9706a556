package dev.cairn.identity.service;

import java.util.List;
import java.util.function.Function;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** Runs one step per item, strictly one after another: a reactive session allows one operation at a time. */
public final class Sequential {

    private Sequential() {
    }

    public static <T, R> Uni<List<R>> each(List<T> items, Function<? super T, Uni<? extends R>> step) {
        if (items.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return Multi.createFrom().iterable(items).onItem().<R>transformToUniAndConcatenate(step).collect().asList();
    }
}
