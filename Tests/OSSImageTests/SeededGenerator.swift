/// The image tests' seeded generator (Knuth's MMIX linear congruential one), so that random
/// damage, strings and pixels replay from their seed when a test fails. Its high bits are the
/// random ones: take them with `>>`.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state
    }
}
