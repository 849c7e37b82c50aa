//! Go's `sort.Sort` (pattern-defeating quicksort), ported step for step.
//!
//! It is not stable: objects whose keys tie end up in an order that only
//! this exact algorithm reproduces, and `kubectl get --sort-by` uses it. A
//! different sort would print ties in a different order than kubectl.

/// Go's `sort.Sort` (pdqsort, Go 1.19+), step for step; checked against
/// kubectl's own `--sort-by` output on lists with many ties.
pub(crate) fn go_sort(v: &mut [usize], less: &dyn Fn(usize, usize) -> bool) {
    let n = v.len();
    if n > 1 {
        let limit = usize::BITS - n.leading_zeros();
        pdqsort(v, less, 0, n, limit);
    }
}

fn lt(v: &[usize], less: &dyn Fn(usize, usize) -> bool, i: usize, j: usize) -> bool {
    less(v[i], v[j])
}

fn insertion_sort(v: &mut [usize], less: &dyn Fn(usize, usize) -> bool, a: usize, b: usize) {
    for i in a + 1..b {
        let mut j = i;
        while j > a && lt(v, less, j, j - 1) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

fn sift_down(
    v: &mut [usize],
    less: &dyn Fn(usize, usize) -> bool,
    lo: usize,
    hi: usize,
    first: usize,
) {
    let mut root = lo;
    loop {
        let mut child = 2 * root + 1;
        if child >= hi {
            return;
        }
        if child + 1 < hi && lt(v, less, first + child, first + child + 1) {
            child += 1;
        }
        if !lt(v, less, first + root, first + child) {
            return;
        }
        v.swap(first + root, first + child);
        root = child;
    }
}

fn heap_sort(v: &mut [usize], less: &dyn Fn(usize, usize) -> bool, a: usize, b: usize) {
    let hi = b - a;
    for i in (0..hi.div_ceil(2)).rev() {
        sift_down(v, less, i, hi, a);
    }
    for i in (0..hi).rev() {
        v.swap(a, a + i);
        sift_down(v, less, 0, i, a);
    }
}

fn pdqsort(
    v: &mut [usize],
    less: &dyn Fn(usize, usize) -> bool,
    mut a: usize,
    mut b: usize,
    mut limit: u32,
) {
    let (mut was_balanced, mut was_partitioned) = (true, true);
    loop {
        let length = b - a;
        if length <= 12 {
            insertion_sort(v, less, a, b);
            return;
        }
        if limit == 0 {
            heap_sort(v, less, a, b);
            return;
        }
        if !was_balanced {
            break_patterns(v, a, b);
            limit -= 1;
        }
        let (mut pivot, mut hint) = choose_pivot(v, less, a, b);
        if hint == Hint::Decreasing {
            v[a..b].reverse();
            pivot = (b - 1) - (pivot - a);
            hint = Hint::Increasing;
        }
        if was_balanced
            && was_partitioned
            && hint == Hint::Increasing
            && partial_insertion_sort(v, less, a, b)
        {
            return;
        }
        if a > 0 && !lt(v, less, a - 1, pivot) {
            a = partition_equal(v, less, a, b, pivot);
            continue;
        }
        let (mid, already) = partition(v, less, a, b, pivot);
        was_partitioned = already;
        let (left, right) = (mid - a, b - mid);
        let threshold = length / 8;
        if left < right {
            was_balanced = left >= threshold;
            pdqsort(v, less, a, mid, limit);
            a = mid + 1;
        } else {
            was_balanced = right >= threshold;
            pdqsort(v, less, mid + 1, b, limit);
            b = mid;
        }
    }
}

fn partition(
    v: &mut [usize],
    less: &dyn Fn(usize, usize) -> bool,
    a: usize,
    b: usize,
    pivot: usize,
) -> (usize, bool) {
    v.swap(a, pivot);
    let (mut i, mut j) = (a as isize + 1, b as isize - 1);
    let at = |x: isize| usize::try_from(x).unwrap_or(0);
    while i <= j && lt(v, less, at(i), a) {
        i += 1;
    }
    while i <= j && !lt(v, less, at(j), a) {
        j -= 1;
    }
    if i > j {
        v.swap(at(j), a);
        return (at(j), true);
    }
    v.swap(at(i), at(j));
    i += 1;
    j -= 1;
    loop {
        while i <= j && lt(v, less, at(i), a) {
            i += 1;
        }
        while i <= j && !lt(v, less, at(j), a) {
            j -= 1;
        }
        if i > j {
            break;
        }
        v.swap(at(i), at(j));
        i += 1;
        j -= 1;
    }
    v.swap(at(j), a);
    (at(j), false)
}

fn partition_equal(
    v: &mut [usize],
    less: &dyn Fn(usize, usize) -> bool,
    a: usize,
    b: usize,
    pivot: usize,
) -> usize {
    v.swap(a, pivot);
    let (mut i, mut j) = (a as isize + 1, b as isize - 1);
    let at = |x: isize| usize::try_from(x).unwrap_or(0);
    loop {
        while i <= j && !lt(v, less, a, at(i)) {
            i += 1;
        }
        while i <= j && lt(v, less, a, at(j)) {
            j -= 1;
        }
        if i > j {
            break;
        }
        v.swap(at(i), at(j));
        i += 1;
        j -= 1;
    }
    at(i)
}

fn partial_insertion_sort(
    v: &mut [usize],
    less: &dyn Fn(usize, usize) -> bool,
    a: usize,
    b: usize,
) -> bool {
    let mut i = a + 1;
    for _ in 0..5 {
        while i < b && !lt(v, less, i, i - 1) {
            i += 1;
        }
        if i == b {
            return true;
        }
        if b - a < 50 {
            return false;
        }
        v.swap(i, i - 1);
        if i - a >= 2 {
            let mut j = i - 1;
            while j >= 1 && lt(v, less, j, j - 1) {
                v.swap(j, j - 1);
                j -= 1;
            }
        }
        if b - i >= 2 {
            let mut j = i + 1;
            while j < b && lt(v, less, j, j - 1) {
                v.swap(j, j - 1);
                j += 1;
            }
        }
    }
    false
}

fn break_patterns(v: &mut [usize], a: usize, b: usize) {
    let length = b - a;
    if length >= 8 {
        let mut random = length as u64;
        let modulus = 1usize << (usize::BITS - length.leading_zeros());
        let idx = a + (length / 4) * 2 - 1;
        for i in 0..3 {
            random ^= random << 13;
            random ^= random >> 7;
            random ^= random << 17;
            #[allow(clippy::cast_possible_truncation)]
            let mut other = (random as usize) & (modulus - 1);
            if other >= length {
                other -= length;
            }
            v.swap(idx + i, a + other);
        }
    }
}

#[derive(PartialEq, Eq)]
enum Hint {
    Unknown,
    Increasing,
    Decreasing,
}

fn choose_pivot(
    v: &[usize],
    less: &dyn Fn(usize, usize) -> bool,
    a: usize,
    b: usize,
) -> (usize, Hint) {
    let l = b - a;
    let mut swaps = 0;
    let (mut i, mut j, mut k) = (a + l / 4, a + l / 4 * 2, a + l / 4 * 3);
    if l >= 8 {
        if l >= 50 {
            i = median(v, less, i - 1, i, i + 1, &mut swaps);
            j = median(v, less, j - 1, j, j + 1, &mut swaps);
            k = median(v, less, k - 1, k, k + 1, &mut swaps);
        }
        j = median(v, less, i, j, k, &mut swaps);
    }
    let hint = match swaps {
        0 => Hint::Increasing,
        12 => Hint::Decreasing,
        _ => Hint::Unknown,
    };
    (j, hint)
}

fn median(
    v: &[usize],
    less: &dyn Fn(usize, usize) -> bool,
    a: usize,
    b: usize,
    c: usize,
    swaps: &mut u32,
) -> usize {
    let mut order = |x: usize, y: usize| {
        if lt(v, less, y, x) {
            *swaps += 1;
            (y, x)
        } else {
            (x, y)
        }
    };
    let (a, b) = order(a, b);
    let (b, c) = order(b, c);
    let _ = c;
    let (_, b) = order(a, b);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_sort_sorts_large_inputs() {
        for n in [0usize, 1, 13, 50, 51, 200, 1000] {
            let keys: Vec<u64> = (0..n as u64).map(|i| (i * 7919) % 101).collect();
            let mut order: Vec<usize> = (0..n).collect();
            go_sort(&mut order, &|a, b| keys[a] < keys[b]);
            assert!(order.windows(2).all(|w| keys[w[0]] <= keys[w[1]]), "n={n}");
            let mut seen = order.clone();
            seen.sort_unstable();
            assert_eq!(seen, (0..n).collect::<Vec<_>>());
        }
    }
}
