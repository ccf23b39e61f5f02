"""nnlib: a small, readable numpy neural-network library, written for the nnlib course.

    from nnlib import Sequential, Dense, SGD
    model = Sequential([Dense(10, activation="softmax", input_shape=(784,))])
    model.compile(SGD(0.1), "categorical_crossentropy", metrics=["accuracy"])
"""

from .callbacks import Callback, EarlyStopping, History, LambdaCallback, LearningRateScheduler, ModelCheckpoint
from .layers import (ELU, Activation, BatchNormalization, Dense, Dropout, Flatten, LeakyReLU, ReLU, Softmax,
                     affine_backward, affine_forward, batchnorm_backward, batchnorm_forward)
from .model import Sequential
from .optimizers import SGD, Adam, RMSprop
from .regularizers import L2

__version__ = "0.1.0"

__all__ = [
    "Sequential", "Dense", "Activation", "Dropout", "Flatten", "affine_forward", "affine_backward",
    "BatchNormalization", "batchnorm_forward", "batchnorm_backward", "ReLU", "LeakyReLU", "ELU", "Softmax", "L2",
    "SGD", "RMSprop", "Adam", "Callback", "History", "EarlyStopping", "ModelCheckpoint", "LearningRateScheduler",
    "LambdaCallback",
]
