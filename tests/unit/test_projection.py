import numpy as np
import pytest

from shapestudy.data.dataset import Dataset, enumerate_factors, render
from shapestudy.data.grid import FactorGrid
from shapestudy.evaluation.projection import (
    TINY_PIXEL, TranslatedTemplates, closest_renders, distances_to, factor_recovery, iou, iou_to, nearest_renders,
    project, project_translated, squared_distances, without_tiny,
)
from shapestudy.data.pixels import to_unit

# Sizes from 4: at size 3 a circle renders as a square, so tuples would share images.
SMALL = FactorGrid(canvas=16, size_min=4, size_max=7)


def renders_of(grid):
    factors = enumerate_factors(grid)
    dataset = Dataset(render(grid, factors).astype(np.float32) / 255, factors, {})
    return dataset.images, dataset.factor_codes()


@pytest.fixture(scope="module")
def small():
    return renders_of(SMALL)


@pytest.fixture(scope="module")
def default():
    return renders_of(FactorGrid())


def test_renders_project_onto_themselves(small):
    images, _ = small
    index, distance = project(images, images)
    np.testing.assert_array_equal(index, np.arange(len(images)))
    np.testing.assert_array_equal(distance, 0)


def test_default_grid_renders_project_onto_themselves():
    images, _ = renders_of(FactorGrid())
    rows = np.random.default_rng(0).choice(len(images), 1000, replace=False)
    index, distance = project(images[rows], images)
    np.testing.assert_array_equal(index, rows)
    np.testing.assert_array_equal(distance, 0)


def test_closest_renders_are_the_brute_force_most_alike_pair(small):
    images, _ = small
    pairwise = np.array([iou(images, image[None]) for image in images])
    np.fill_diagonal(pairwise, 0)
    found = closest_renders(images, chunk=37)  # chunks that do not divide the set
    assert found.first != found.second
    assert found.iou == pytest.approx(pairwise.max())
    assert iou(images[found.first][None], images[found.second][None])[0] == pytest.approx(found.iou)


def test_no_two_default_renders_reach_the_validity_threshold(default):
    """The text's reason for the threshold 0.9: a valid sample is near one tuple only."""
    images, codes = default
    found = closest_renders(images)
    assert 0.8 < found.iou < 0.9
    assert not np.array_equal(codes[found.first], codes[found.second])


def test_distance_is_the_brute_force_minimum(small):
    images, _ = small
    queries = np.random.default_rng(1).random((40, *images.shape[1:]), dtype=np.float32)
    index, distance = project(queries, images, chunk=16)
    brute = np.sqrt(((queries[:, None] - images[None]) ** 2).sum(axis=(2, 3)))
    np.testing.assert_allclose(distance, brute.min(axis=1), rtol=1e-5)
    np.testing.assert_allclose(brute[np.arange(40), index], brute.min(axis=1), rtol=1e-5)


def test_chunking_does_not_change_the_answer(small):
    images, _ = small
    queries = np.random.default_rng(2).random((100, *images.shape[1:]), dtype=np.float32)
    for got, expected in zip(project(queries, images, chunk=7), project(queries, images)):
        np.testing.assert_array_equal(got, expected)


def test_iou_known_values():
    empty = np.zeros((2, 2))
    left = np.array([[1.0, 0.0], [1.0, 0.0]])
    top = np.array([[1.0, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(
        iou(np.stack([empty, left, left, left]), np.stack([empty, left, top, 1 - left])),
        [1.0, 1.0, 1 / 3, 0.0],
    )
    # Thresholded first: 0.6 counts as on, 0.4 as off.
    assert iou(left[None] * 0.6, left[None]) == 1.0
    assert iou(left[None] * 0.4, left[None]) == 0.0



@pytest.mark.parametrize("stored", ["uint8", "float32"])
def test_chosen_renders_read_in_place_score_as_gathered(stored):
    """iou_to and distances_to read each image's render where it is stored, uint8 as a dataset
    holds it or float: the IoU and distances of the gathered renders, bit for bit, with image
    pixels on either side of the thresholds (as float32 compares them) and exactly on them."""
    grid = FactorGrid(canvas=16, size_min=4, size_max=7)
    renders = render(grid, enumerate_factors(grid)).reshape(-1, 256)
    renders = renders if stored == "uint8" else to_unit(renders)
    rng = np.random.default_rng(12)
    index = rng.integers(0, len(renders), 300)
    noise = rng.normal(0, 1, (300, 256)) * np.repeat([0.05, 0.3], 150)[:, None]
    images = np.clip(to_unit(renders[index]) + noise, 0, 1).astype(np.float32)
    for threshold in (0.5, 0.3, 0.7):
        edge = np.float32(threshold)
        images[:, :3] = [np.nextafter(edge, np.float32(0)), edge, np.nextafter(edge, np.float32(1))]
        expected = iou(images, renders[index], threshold)
        assert 0 < (expected >= 0.9).mean() < 1
        np.testing.assert_array_equal(iou_to(images, renders, index, threshold), expected)
    residual = images - to_unit(renders[index])
    np.testing.assert_array_equal(distances_to(images, renders, index), np.sqrt(np.einsum("ij,ij->i", residual, residual)))

def test_factor_recovery_of_renders_is_perfect(small):
    images, codes = small
    scores = factor_recovery(images, codes, images, codes)
    assert scores["factor_recovery"] == 1.0
    assert all(scores[f"factor_recovery_{name}"] == 1.0 for name in ("shape", "size", "x", "y"))
    assert scores["mean_projection_distance"] == 0.0


def test_factor_recovery_of_noisy_renders(small):
    images, codes = small
    noisy = images + np.random.default_rng(3).normal(0, 0.1, images.shape).astype(np.float32)
    assert factor_recovery(noisy, codes, images, codes)["factor_recovery"] == 1.0


def test_factor_recovery_counts_wrong_tuples(small):
    images, codes = small
    wrong = codes.copy()
    wrong[:100, 2] += 1  # x off by one in the first 100 rows
    scores = factor_recovery(images, wrong, images, codes)
    assert scores["factor_recovery"] == pytest.approx(1 - 100 / len(images))
    assert scores["factor_recovery_x"] == pytest.approx(1 - 100 / len(images))
    assert scores["factor_recovery_y"] == 1.0


# The fast path (TranslatedTemplates) against brute force (project).


def assert_same_as_brute_force(images, renders, codes):
    """For {0, 1} images every score is an exact integer, so the answers must be identical."""
    fast = TranslatedTemplates(renders, codes).project(images)
    brute = project(images, renders)
    np.testing.assert_array_equal(fast[0], brute[0])
    np.testing.assert_array_equal(fast[1], brute[1])
    return fast


def assert_nearest_up_to_rounding(images, renders, codes):
    """For continuous images float32 rounding may break near-ties either way: each index the two
    disagree on must still be a nearest render, by float64 distances."""
    fast_index, fast_distance = TranslatedTemplates(renders, codes).project(images)
    brute_index, brute_distance = project(images, renders)
    a, b = images.reshape(len(images), -1).astype(np.float64), renders.reshape(len(renders), -1).astype(np.float64)
    squared = (a**2).sum(axis=1)[:, None] - 2 * a @ b.T + (b**2).sum(axis=1)
    rows = np.arange(len(images))
    np.testing.assert_allclose(squared[rows, fast_index], squared.min(axis=1), atol=1e-3)
    np.testing.assert_allclose(fast_distance, np.sqrt(squared[rows, fast_index]), rtol=1e-5, atol=1e-5)
    assert (fast_index != brute_index).mean() < 0.01
    np.testing.assert_allclose(fast_distance, brute_distance, rtol=1e-5, atol=1e-5)


def test_fast_projection_of_the_default_renders_is_exact(default):
    images, codes = default
    index, distance = assert_same_as_brute_force(images, images, codes)
    np.testing.assert_array_equal(index, np.arange(len(images)))
    np.testing.assert_array_equal(distance, 0)


def test_fast_projection_of_binary_noise_equals_brute_force(default):
    images, codes = default
    rng = np.random.default_rng(4)
    rows = rng.choice(len(images), 500, replace=False)
    flipped = np.abs(images[rows] - (rng.random((500, 28, 28)) < 0.05)).astype(np.float32)
    random_binary = (rng.random((100, 28, 28)) < 0.2).astype(np.float32)
    assert_same_as_brute_force(np.concatenate([flipped, random_binary]), images, codes)


def test_fast_projection_breaks_ties_like_brute_force(default):
    images, codes = default
    # An empty image is nearest to every render of the fewest pixels: the lowest index wins.
    blank = np.stack([np.zeros((28, 28)), np.ones((28, 28))]).astype(np.float32)
    index, _ = assert_same_as_brute_force(blank, images, codes)
    assert index[0] == np.argmin(images.sum(axis=(1, 2)))
    # A render listed twice: its first copy wins.
    doubled = np.concatenate([images[::-1], images[::-1]])
    index, _ = assert_same_as_brute_force(images[:50], doubled, np.concatenate([codes[::-1], codes[::-1]]))
    np.testing.assert_array_equal(index, len(images) - 1 - np.arange(50))


def test_fast_projection_of_a_shuffled_subset(small):
    # Not every placement is a render, and the renders are in no particular order.
    images, codes = small
    rows = np.random.default_rng(5).permutation(len(images))[: len(images) // 2]
    queries = (np.random.default_rng(6).random((200, 16, 16)) < 0.3).astype(np.float32)
    index, _ = assert_same_as_brute_force(np.concatenate([images, queries]), images[rows], codes[rows])
    np.testing.assert_array_equal(index[rows], np.arange(len(rows)))


def test_fast_projection_of_continuous_images(default):
    images, codes = default
    rng = np.random.default_rng(7)
    renders = images[rng.choice(len(images), 300, replace=False)]
    noisy = np.clip(renders + rng.normal(0, 0.2, renders.shape), 0, 1).astype(np.float32)
    # A 3 x 3 box blur: soft edges, like decoded samples.
    padded = np.pad(renders, ((0, 0), (1, 1), (1, 1)))
    blurred = sum(padded[:, i : i + 28, j : j + 28] for i in range(3) for j in range(3)) / np.float32(9)
    uniform = rng.random((300, 28, 28), dtype=np.float32)
    assert_nearest_up_to_rounding(np.concatenate([noisy, blurred, uniform]), images, codes)


def test_bounded_search_equals_the_exhaustive_one(default):
    """The bounds skip only renders that can neither win nor tie: on continuous images the bounded
    search picks the render the exhaustive one picks, even at exact ties (halfway between two
    renders) and with little mass (faint shapes, an empty image). With a pixel outside [0, 1] no
    bound holds, and every render is scored."""
    images, codes = default
    rng = np.random.default_rng(11)
    # Renders whose box can move a column right: rolled, each is its neighbour render.
    renders = images[rng.choice(np.flatnonzero(codes[:, 2] + codes[:, 1] < 28), 300, replace=False)]
    padded = np.pad(renders, ((0, 0), (1, 1), (1, 1)))
    blurred = sum(padded[:, i : i + 28, j : j + 28] for i in range(3) for j in range(3)) / np.float32(9)
    noisy = np.clip(renders + rng.normal(0, 0.3, renders.shape), 0, 1)
    halfway = (renders + np.roll(renders, 1, axis=2)) / 2
    outside = noisy.copy()
    outside[:150, 0, 0], outside[150:, 0, 0] = -0.1, 1.1
    queries = np.concatenate([renders, blurred, noisy, halfway, renders * 0.05, outside, np.zeros((1, 28, 28))])
    queries = queries.astype(np.float32)
    templates = TranslatedTemplates(images, codes)
    for got, expected in zip(templates.project(queries), templates.project(queries, bounded=False)):
        np.testing.assert_array_equal(got, expected)


def test_fast_projection_chunking_does_not_change_the_answer(small):
    images, codes = small
    queries = np.random.default_rng(8).random((100, 16, 16), dtype=np.float32)
    templates = TranslatedTemplates(images, codes)
    for got, expected in zip(templates.project(queries, chunk=7), templates.project(queries)):
        np.testing.assert_array_equal(got, expected)


def test_nearest_renders_chunk_by_chunk_equal_all_at_once(small):
    """Searched and scored a chunk at a time, the samples get the nearest renders, distances and
    validity of one pass over them all."""
    images, codes = small
    rng = np.random.default_rng(10)
    renders = images[rng.choice(len(images), 60)]
    samples = np.concatenate([np.clip(renders + rng.normal(0, 0.15, renders.shape), 0, 1),
                              rng.random((40, 16, 16))]).astype(np.float32)
    whole = nearest_renders(samples, images, codes, chunk=len(samples))
    assert 0 < whole.valid.mean() < 1
    for chunk in (7, 64):
        for got, expected in zip(nearest_renders(samples, images, codes, chunk=chunk), whole):
            np.testing.assert_array_equal(got, expected)


def test_renders_that_are_not_translated_templates_fall_back(small):
    images, codes = small
    queries = np.random.default_rng(9).random((50, 16, 16), dtype=np.float32)
    changed = images.copy()
    changed[100, 0, 0] = 1 - changed[100, 0, 0]  # one pixel outside the box, or inside the shape
    moved = codes.copy()
    moved[:, 2] = codes[::-1, 2]  # positions that do not match the pixels
    for renders, render_codes, message in [
        (changed, codes, "not one template translated"),
        (images * 0.5, codes, "not binary"),
        (images, moved, "not one template translated|outside the"),
    ]:
        with pytest.raises(ValueError, match=message):
            TranslatedTemplates(renders, render_codes)
        for got, expected in zip(project_translated(queries, renders, render_codes), project(queries, renders)):
            np.testing.assert_array_equal(got, expected)


def test_tiny_pixels_become_zero_and_no_distance_moves(small):
    """Blurred renders on a sharp sigmoid's background (1e-20, whose products are subnormal): the
    tiny values become 0, every other value stays, and so do every distance and nearest render."""
    images, _ = small
    rng = np.random.default_rng(0)
    blurred = np.clip(images[rng.integers(0, len(images), 500)] + rng.normal(0, 0.2, (500, *images.shape[1:])), 0, 1)
    samples = np.where(blurred < 0.3, np.float32(1e-20), blurred).astype(np.float32)
    flushed = without_tiny(samples.copy())
    tiny = samples < TINY_PIXEL
    assert tiny.mean() > 0.3 and (flushed[tiny] == 0).all()
    np.testing.assert_array_equal(flushed[~tiny], samples[~tiny])
    np.testing.assert_array_equal(squared_distances(flushed, flushed), squared_distances(samples, samples))
    np.testing.assert_array_equal(squared_distances(flushed, images), squared_distances(samples, images))
    for ours, theirs in zip(project(flushed, images), project(samples, images)):
        np.testing.assert_array_equal(ours, theirs)
