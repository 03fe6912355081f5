import pytest

from innovation_cases import demo_content


@pytest.fixture
def demo(db: None) -> demo_content.Report:
    """The demo content, loaded as `manage.py load_demo_content` loads it."""
    return demo_content.load()
