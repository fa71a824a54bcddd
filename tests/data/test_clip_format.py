"""One clip format, checked once: class names, sample rate and clip length must be the classifier's."""

import pytest
from conftest import tiny_classifier

from lmac.data import ClipFormatError, SyntheticDataModule, SyntheticMixtures, check_clip_format
from lmac.data.contamination import WhiteNoise


def test_matching_data_passes_in_every_form():
    clf = tiny_classifier()  # 16 kHz, 0.5 s, the instruments classes
    check_clip_format(clf, SyntheticDataModule(clip_seconds=0.5))
    check_clip_format(clf, WhiteNoise(SyntheticMixtures("instruments", "test", 2, clip_seconds=0.5)))


@pytest.mark.parametrize(
    "data,message",
    [
        (SyntheticDataModule("confound", clip_seconds=0.5), "classifier classes .* do not match the data's"),
        (
            SyntheticDataModule(sample_rate=8000, clip_seconds=0.5),
            "gives clips at 8000 Hz but the classifier takes 16000 Hz",
        ),
        (SyntheticMixtures("instruments", "test", 2, clip_seconds=2.0), "window is 0.5 s: set the data's clip_seconds"),
        (object(), "does not declare its clip format"),
    ],
)
def test_mismatches_are_one_line_errors(data, message):
    with pytest.raises(ClipFormatError, match=message) as err:
        check_clip_format(tiny_classifier(), data)
    assert "\n" not in str(err.value)
