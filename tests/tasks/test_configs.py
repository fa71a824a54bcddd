"""Every Hydra option composes, and every node instantiates."""

from pathlib import Path

import pytest
from helpers import compose
from hydra.utils import instantiate
from omegaconf import OmegaConf

from lmac.classifiers import load_classifier
from lmac.data import ClipFormatError
from lmac.tasks.config import CONFIG_DIR
from lmac.tasks.train import build_module


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml") if p.stem != "default")


def _needs_user_files(node) -> bool:
    """Options pointing at the user's own data or weights (``???``); tests/data and tests/recipes
    compose and run them on generated fixture folders."""
    return bool(OmegaConf.missing_keys(node))


@pytest.fixture(scope="module")
def esc50_root(tmp_path_factory):
    from audio_fixtures import make_esc50

    return make_esc50(tmp_path_factory.mktemp("esc50") / "ESC-50-master", per_fold=1, seconds=1.0)


def _user_files(option: str, cfg, tmp_path: Path) -> list[str]:
    """Overrides that point a classifier option at files made here for the data's classes."""
    from audio_fixtures import make_cnn14_folder
    from conftest import tiny_classifier

    from lmac.classifiers import save_classifier

    classes = list(instantiate(cfg.data).class_names)
    output = cfg.classifier.get("output") or "softmax"  # what the experiment needs (multi-label: sigmoid)
    if option == "checkpoint":  # e.g. a classifier the user trained with lmac on their own data
        clf = tiny_classifier(classes, seconds=cfg.data.clip_seconds, output=output)
        save_classifier(clf, tmp_path / "classifier.pt")
        return [f"classifier.path={tmp_path / 'classifier.pt'}"]
    if option == "cnn14_speechbrain":
        make_cnn14_folder(tmp_path / "cnn14", classes)
        return [f"classifier.folder={tmp_path / 'cnn14'}"]
    if option == "factory":  # a module of the user's own code (MODULE:FACTORY, here a file path)
        (tmp_path / "my_model.py").write_text(
            "from conftest import tiny_classifier\n\n\ndef make():\n"
            f"    return tiny_classifier({classes!r}, seconds={cfg.data.clip_seconds}, output={output!r})\n"
        )
        return [f"classifier.spec={tmp_path / 'my_model.py'}:make"]
    return ["classifier.n_mels=32", "classifier.emb_dim=32"] if option == "cnn14" else []  # smaller, same code


@pytest.mark.parametrize("option", _options("classifier"))
@pytest.mark.parametrize(
    "experiment", [e for e in _options("experiment") if not e.endswith(("_benchmark", "_aggregate"))]
)
def test_every_experiment_composes_with_every_classifier(tmp_path, esc50_root, experiment, option):
    overrides = [f"experiment={experiment}", f"classifier={option}"]
    if _needs_user_files(compose(overrides, tmp_path).data):
        overrides.append(f"data.root={esc50_root}")
    overrides += _user_files(option, compose(overrides, tmp_path), tmp_path)
    cfg = compose(overrides, tmp_path)
    assert not OmegaConf.missing_keys(cfg.classifier) and cfg.monitor.startswith("val/")
    data = instantiate(cfg.data)
    if _concepts_mismatch(cfg, option, data):
        return
    classes, head = list(data.class_names), cfg.get("head") is not None

    def fits(names: list[str]) -> bool:  # a head maps the data's labels onto the classifier's classes by name
        return set(classes) <= set(names) if head else names == classes

    if option.endswith("_pretrained"):  # a shipped classifier: fits the data it was trained for, refused elsewhere
        stored = load_classifier(cfg.classifier.path)
        same_format = stored.sample_rate == data.sample_rate and stored.clip_samples == round(
            data.clip_seconds * data.sample_rate
        )
        if cfg.classifier.get("output") not in (None, stored.output):  # e.g. a softmax one, multi-label training
            with pytest.raises(Exception, match=f"has {stored.output} outputs, but this configuration needs"):
                build_module(cfg, data)
            return
        if not (fits(stored.class_names) and same_format):
            with pytest.raises(ClipFormatError):
                build_module(cfg, data)
            return
    if cfg.module.get("init_from") and cfg.classifier != compose([f"experiment={experiment}"], tmp_path).classifier:
        with pytest.raises(Exception, match="CheckpointError"):  # a second stage: only on its first stage's classifier
            build_module(cfg, data)
        return
    module = build_module(cfg, data)
    assert hasattr(module, "export") and fits(module.classifier.class_names)


def _concepts_mismatch(cfg, option: str, data) -> bool:
    """A concept classifier needs concept data, and a concept experiment a concept classifier: each
    mismatch is refused in one line (True when this pair is one)."""
    concept_data, concept_model = hasattr(data, "concept_names"), option == "concept_cnn"
    concept_head, view = "ConceptExplainer" in cfg.module._target_, option == "concepts_view"
    if view and not concept_head:  # the concepts as classes: no other data has them (nor a sigmoid output)
        with pytest.raises(Exception, match="classes|Hz|samples|needs a classifier with"):
            build_module(cfg, data)
        return True
    if concept_head and not view and not option.endswith("_pretrained"):  # a concept head needs the view
        with pytest.raises(Exception, match="ConceptOutputs view|regression outputs"):  # Hydra wraps the ValueError
            build_module(cfg, data)
        return True
    if concept_model and not concept_data:
        with pytest.raises(ClipFormatError, match="needs data with concepts"):
            build_module(cfg, data)
        return True
    if concept_data and not (concept_model or view or option.endswith("_pretrained")):
        with pytest.raises(Exception, match="concept layer"):  # Hydra wraps the ValueError
            build_module(cfg, data)
        return True
    return False


@pytest.mark.parametrize("option", _options("data"))
def test_data_options(tmp_path, option):
    if _needs_user_files(compose([f"data={option}"], tmp_path).data):
        pytest.skip("needs user files; run on fixtures in tests/data")
    dm = instantiate(compose([f"data={option}", "data.n_train=2"], tmp_path).data)
    assert len(dm.dataset("train")) == 2


@pytest.mark.parametrize("option", sorted(p.stem for p in (CONFIG_DIR / "stft").glob("*.yaml")))
def test_stft_options(tmp_path, option):
    from lmac.spectral import STFTConfig

    assert isinstance(instantiate(compose([f"stft={option}"], tmp_path).stft), STFTConfig)


def test_the_head_gets_the_runs_grid(tmp_path):
    from lmac.spectral import STFTConfig

    cfg = compose(["experiment=demo_lmac", "stft=esc50", "head.hidden=8", "head.tap_channels=4"], tmp_path)
    module = build_module(cfg, instantiate(cfg.data))
    assert module.head.grid == STFTConfig(1024, 256)


@pytest.mark.parametrize("option", _options("head"))
def test_head_options(tmp_path, option):
    from conftest import tiny_classifier

    clf = tiny_classifier()
    node = compose([f"head={option}"], tmp_path).head
    derived = {"sample_rate": clf.sample_rate} if "sample_rate" in node else {}  # as lmac.tasks.train wires it
    head = instantiate(node, feature_shapes=clf.feature_shapes(), n_classes=clf.n_classes, **derived)
    assert sum(p.numel() for p in head.parameters()) > 0


@pytest.mark.parametrize("option", _options("trainer"))
def test_trainer_options(tmp_path, option):
    cfg = compose([f"trainer={option}"], tmp_path)
    # GPU options are instantiated with the accelerator switched to CPU (CI has no GPU).
    node = dict(cfg.trainer)
    if node["accelerator"] != "cpu":
        node.update(accelerator="cpu", devices=1, strategy="auto", precision="32-true")
    trainer = instantiate(node)
    assert trainer.max_epochs == cfg.trainer.max_epochs


@pytest.mark.parametrize("option", _options("logger"))
def test_logger_options(tmp_path, option, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    loggers = [instantiate(node) for node in compose([f"logger={option}"], tmp_path).logger.values()]
    assert all(Path(lg.save_dir) == tmp_path for lg in loggers)


@pytest.mark.parametrize(
    "group,option", [(g, o) for g in ("callbacks", "loss", "module", "classifier") for o in _options(g)]
)
def test_other_groups_instantiate(tmp_path, group, option):
    extra = (
        {
            "checkpoint": ["classifier.path=${lmac_checkpoint:demo_classifier}"],
            "factory": ["classifier.spec=conftest:tiny_classifier"],
        }.get(option, [])
        if group == "classifier"
        else []
    )
    if group == "classifier" and option == "cnn14_speechbrain":
        from audio_fixtures import make_cnn14_folder

        make_cnn14_folder(tmp_path / "cnn14", ["a", "b"])
        extra = [f"classifier.folder={tmp_path / 'cnn14'}"]
    node = compose([f"{group}={option}", *extra], tmp_path)[group]
    if group == "callbacks":
        assert all(instantiate(c) is not None for c in node.values())
    elif group == "classifier" and "class_names" in node:
        concepts = {"concept_names": ["x", "y", "z"]} if "concept_names" in node else {}
        assert instantiate(node, class_names=["a", "b"], **concepts).n_classes == 2
    elif group == "module":
        from concept_models import tiny_concept_cnn
        from conftest import tiny_classifier, tiny_head

        from lmac.classifiers import ConceptOutputs
        from lmac.losses import LMACLoss, RegressionMaskLoss

        clf = tiny_concept_cnn() if "Concept" in node._target_ else tiny_classifier()
        parts = {"head": tiny_head(clf), "loss": LMACLoss()} if "Explainer" in node._target_ else {}
        if "ConceptExplainer" in node._target_:  # a head on the concepts, as regression outputs
            clf = ConceptOutputs(clf)
            parts = {"head": tiny_head(clf), "loss": RegressionMaskLoss()}
        assert instantiate(node, classifier=clf, **parts).configure_optimizers() is not None
    else:
        assert instantiate(node) is not None
